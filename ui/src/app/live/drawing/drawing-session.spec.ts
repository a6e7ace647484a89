import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { ClientMessage, DrawnOperation, ServerMessage } from '#protocol/live';
import { provideI18nTesting } from '../../i18n/testing';
import { provideApiTesting } from '../../shared/testing';
import { ConsultationClient } from '../consultation-client';
import { LiveSocket } from '../live-socket';
import { liveTesting, stateFrame, summaryOf } from '../testing';
import { DrawingSession, PIECE_INTERVAL_MS } from './drawing-session';
import type { StrokeStyle } from './drawing-session';
import type { StrokeOperation } from './drawing-state';
import { FakeConsultation, provideFakeConsultation } from './testing';

const PEN: StrokeStyle = { tool: 'pen', color: '#e53935', width: 6 };

describe('DrawingSession', () => {
  let fake: FakeConsultation;
  let session: DrawingSession;
  const strokes = () => fake.drawn().filter((op): op is StrokeOperation => op.action === 'stroke');

  beforeEach(() => {
    jasmine.clock().install();
    jasmine.clock().mockDate(new Date('2026-06-15T08:30:00Z'));
    fake = new FakeConsultation('patient');
    TestBed.configureTestingModule({ providers: [provideFakeConsultation(fake), DrawingSession] });
    session = TestBed.inject(DrawingSession);
  });
  afterEach(() => jasmine.clock().uninstall());

  it('opens, closes and clears the board on both sides', () => {
    expect(session.surface()).toBe('off');
    session.open('blank');
    expect(session.surface()).toBe('blank');
    session.open('shared');
    session.clear();
    session.close();
    expect(session.surface()).toBe('off');
    expect(fake.drawn()).toEqual([
      { action: 'board', surface: 'blank' }, { action: 'board', surface: 'shared' }, { action: 'clear' }, { action: 'board', surface: 'off' },
    ]);
  });

  it('shows a stroke at once and sends it in pieces at most every 50 ms, each from the last point of the one before', () => {
    const version = session.version();
    session.startStroke(PEN, [0.1, 0.1]);
    expect(session.drawing.draft?.points).toEqual([[0.1, 0.1]]);
    expect(session.version()).toBeGreaterThan(version);
    expect(fake.sent).toEqual([]);
    session.extendStroke([0.2, 0.2]);
    // The first move goes at once.
    expect(strokes().map((s) => s.points)).toEqual([[[0.1, 0.1], [0.2, 0.2]]]);
    jasmine.clock().tick(10);
    session.extendStroke([0.3, 0.3]);
    jasmine.clock().tick(10);
    session.extendStroke([0.4, 0.4], [0.45, 0.45]);
    expect(strokes().length).toBe(1);
    expect(session.drawing.draft?.points).toEqual([[0.2, 0.2], [0.3, 0.3], [0.4, 0.4], [0.45, 0.45]]);
    jasmine.clock().tick(PIECE_INTERVAL_MS);
    expect(strokes().map((s) => s.points)).toEqual([[[0.1, 0.1], [0.2, 0.2]], [[0.2, 0.2], [0.3, 0.3], [0.4, 0.4], [0.45, 0.45]]]);
    session.extendStroke([0.5, 0.5]);
    session.endStroke();
    const sent = strokes();
    expect(sent.length).toBe(3);
    expect(sent[2]!.points).toEqual([[0.45, 0.45], [0.5, 0.5]]);
    expect(new Set(sent.map((s) => s.id)).size).toBe(1);
    expect(sent[0]!.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(sent.every((s) => s.tool === 'pen' && s.color === '#e53935' && s.width === 6 && !('from' in s))).toBeTrue();
    // What this page shows is what it sent, made by its own role.
    expect(session.drawing.operations).toEqual(sent.map((s) => ({ ...s, from: 'patient' })));
    expect(session.drawing.draft).toBeNull();
    jasmine.clock().tick(200);
    expect(strokes().length).toBe(3);
  });

  it('sends no more than 21 messages for a second of moves at 100 per second', () => {
    session.startStroke(PEN, [0, 0]);
    for (let i = 1; i <= 100; i++) {
      session.extendStroke([i / 100, 0.5]);
      jasmine.clock().tick(10);
    }
    session.endStroke();
    const sent = strokes();
    expect(sent.length).toBeLessThanOrEqual(22);
    // Every point arrived, in order, once each, but for the point where two pieces meet.
    const points = sent.flatMap((s, i) => (i === 0 ? s.points : s.points.slice(1)));
    expect(points).toEqual([[0, 0], ...Array.from({ length: 100 }, (_, i): [number, number] => [(i + 1) / 100, 0.5])]);
  });

  it('sends a tap as a one-point stroke, and drops repeated points', () => {
    session.startStroke({ tool: 'eraser', color: '#000000', width: 24 }, [0.5, 0.5]);
    session.extendStroke([0.5, 0.5]);
    session.endStroke();
    expect(strokes().map((s) => [s.tool, s.points])).toEqual([['eraser', [[0.5, 0.5]]]]);
  });

  it('cuts a long stroke into pieces of at most 500 points, and keeps points within 0..1 to 1/10 000', () => {
    session.startStroke(PEN, [-0.2, 1.3]);
    session.extendStroke(...Array.from({ length: 700 }, (_, i): [number, number] => [i / 1000 + 0.000_012, 0.5]));
    session.endStroke();
    const sent = strokes();
    expect(sent.map((s) => s.points.length)).toEqual([500, 202]);
    expect(sent[0]!.points[0]).toEqual([0, 1]);
    expect(sent[0]!.points[1]).toEqual([0, 0.5]);
    expect(sent[1]!.points[0]).toEqual(sent[0]!.points[499]!);
  });

  it('starting a stroke ends the one in progress', () => {
    session.startStroke(PEN, [0.1, 0.1]);
    session.startStroke(PEN, [0.9, 0.9]);
    session.endStroke();
    const sent = strokes();
    expect(sent.map((s) => s.points)).toEqual([[[0.1, 0.1]], [[0.9, 0.9]]]);
    expect(sent[0]!.id).not.toBe(sent[1]!.id);
  });

  it('adds a trimmed text, ignores a blank one and keeps sizes within the protocol', () => {
    session.addText({ color: '#111111', size: 400 }, [0.2, 0.3], '  Douleur ici  ');
    session.addText({ color: '#111111', size: 40 }, [0.2, 0.3], '   ');
    expect(fake.drawn()).toEqual([{ action: 'text', id: jasmine.any(String), color: '#111111', size: 200, x: 0.2, y: 0.3, text: 'Douleur ici' }]);
    expect(session.drawing.operations[0]).toEqual(jasmine.objectContaining({ action: 'text', from: 'patient' }));
  });

  it('applies the other side\'s operations in arrival order, between its own', () => {
    session.startStroke(PEN, [0.1, 0.1]);
    session.extendStroke([0.2, 0.2]);
    fake.receive({ type: 'draw', from: 'practitioner', op: { action: 'board', surface: 'shared' } });
    fake.receive({ type: 'draw', from: 'practitioner', op: { action: 'text', id: 'r1', color: '#1e63d6', size: 40, x: 0.5, y: 0.5, text: 'Là' } });
    session.extendStroke([0.3, 0.3]);
    session.endStroke();
    expect(session.surface()).toBe('shared');
    expect(session.drawing.operations.map((op) => [op.action, op.from])).toEqual([['stroke', 'patient'], ['text', 'practitioner'], ['stroke', 'patient']]);
    const version = session.version();
    fake.receive({ type: 'draw', from: 'practitioner', op: { action: 'clear' } });
    expect(session.drawing.operations).toEqual([]);
    expect(session.version()).toBeGreaterThan(version);
    // Relayed operations are not sent back.
    expect(fake.drawn().every((op) => op.action === 'stroke')).toBeTrue();
  });

  it('takes the snapshot after connecting, and starts from nothing on every new connection', () => {
    session.addText({ color: '#111111', size: 40 }, [0, 0], 'avant');
    const operations: DrawnOperation[] = [
      { action: 'stroke', id: 'a', tool: 'pen', color: '#e53935', width: 6, points: [[0, 0], [1, 1]], from: 'practitioner' },
      { action: 'text', id: 'b', color: '#111111', size: 40, x: 0.1, y: 0.1, text: 'Bonjour', from: 'patient' },
    ];
    fake.receive(JSON.parse(stateFrame('patient', 'admitted')) as ServerMessage);
    expect(session.drawing.operations).toEqual([]);
    fake.receive({ type: 'drawing', surface: 'blank', operations });
    expect(session.surface()).toBe('blank');
    expect(session.drawing.operations).toEqual(operations);
    fake.receive(JSON.parse(stateFrame('patient', 'admitted')) as ServerMessage);
    expect(session.surface()).toBe('off');
  });

  it('says when the drawing is full until it is cleared by either side', () => {
    fake.receive({ type: 'error', code: 'MESSAGE_INVALID', message: 'x' });
    expect(session.full()).toBeFalse();
    fake.receive({ type: 'error', code: 'DRAWING_FULL', message: 'full' });
    expect(session.full()).toBeTrue();
    fake.receive({ type: 'draw', from: 'practitioner', op: { action: 'clear' } });
    expect(session.full()).toBeFalse();
    fake.receive({ type: 'error', code: 'DRAWING_FULL', message: 'full' });
    session.clear();
    expect(session.full()).toBeFalse();
  });

  it('still shows what it draws while the socket is down', () => {
    fake.connected = false;
    session.startStroke(PEN, [0.1, 0.1]);
    session.endStroke();
    expect(fake.sent).toEqual([]);
    expect(session.drawing.operations.length).toBe(1);
  });
});

describe('DrawingSession on the page\'s live socket', () => {
  it('sends its operations as draw frames and follows the other side\'s relayed ones', () => {
    const live = liveTesting();
    TestBed.configureTestingModule({ providers: [...provideApiTesting(), provideI18nTesting('fr-FR'), LiveSocket, ConsultationClient, DrawingSession, ...live.providers] });
    const client = TestBed.inject(ConsultationClient);
    const session = TestBed.inject(DrawingSession);
    client.open('tc_1', 'practitioner', { presence: () => undefined });
    TestBed.inject(HttpTestingController).expectOne('/api/live/tc_1/practitioner/session').flush(summaryOf({ role: 'practitioner' }));
    live.latest().serverOpens();
    live.latest().serverSends(stateFrame('practitioner', 'admitted'));
    session.open('blank');
    session.startStroke(PEN, [0.5, 0.5]);
    session.endStroke();
    const frames = live.latest().sent.map((frame) => JSON.parse(frame) as ClientMessage);
    expect(frames.map((m) => (m.type === 'draw' ? m.op.action : m.type))).toEqual(['board', 'stroke']);
    expect(session.drawing.operations[0]?.from).toBe('practitioner');
    live.latest().serverSends(JSON.stringify({ type: 'draw', from: 'patient', op: { action: 'text', id: 'p1', color: '#111111', size: 40, x: 0.1, y: 0.1, text: 'Ici' } }));
    expect(session.drawing.operations.map((op) => op.from)).toEqual(['practitioner', 'patient']);
  });
});

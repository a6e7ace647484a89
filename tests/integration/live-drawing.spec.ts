import { eq } from 'drizzle-orm';
import * as schema from '../../connector/db/schema/index.ts';
import { MAX_DRAWING_OPERATIONS, MAX_STROKE_POINTS, type DrawOperation } from '#protocol/live';
import { useAppWithHub } from '../support/harness.ts';
import { useLivePairs } from './live-helpers.ts';

describe('live drawing and pointer', () => {
  const { t, hub } = useAppWithHub();
  const { pair, connect, admitted } = useLivePairs(t, hub);

  const stroke = (id: string, points: [number, number][] = [[0.1, 0.1], [0.5, 0.5]]): Extract<DrawOperation, { action: 'stroke' }> =>
    ({ action: 'stroke', id, tool: 'pen', color: '#d32f2f', width: 4, points });

  async function operationRows(id: string) {
    return t.app.services.database.db.select().from(schema.drawingOperations).where(eq(schema.drawingOperations.teleconsultationId, id));
  }

  it("relays each side's operations to the other side only, with the session as the author, and keeps them", async () => {
    const p = await pair();
    const { practitioner, patient } = await admitted(p);
    practitioner.send({ type: 'draw', op: { action: 'board', surface: 'blank' } });
    practitioner.send({ type: 'draw', op: stroke('s1') });
    expect(await patient.next('draw', (m) => m.op.action === 'stroke')).toEqual({ type: 'draw', from: 'practitioner', op: stroke('s1') });
    patient.send({ type: 'draw', op: { action: 'text', id: 't1', color: '#000000', size: 30, x: 0.2, y: 0.3, text: 'ici' } });
    const text = await practitioner.next('draw');
    expect(text.from).toBe('patient');
    expect(text.op).toEqual({ action: 'text', id: 't1', color: '#000000', size: 30, x: 0.2, y: 0.3, text: 'ici' });
    await practitioner.sync();
    await patient.sync();
    // Nobody hears their own operations back.
    expect(practitioner.all('draw').length).toBe(1);
    expect(patient.all('draw').map((m) => m.op.action)).toEqual(['board', 'stroke']);
    expect((await operationRows(p.tc.id)).map((r) => r.sender)).toEqual(['practitioner', 'patient']);
  });

  it('gives a reconnecting page the current drawing, and "effacer tout" empties it for both and for later', async () => {
    const p = await pair();
    const { practitioner, patient } = await admitted(p);
    practitioner.send({ type: 'draw', op: { action: 'board', surface: 'shared' } });
    practitioner.send({ type: 'draw', op: stroke('a') });
    // One after the other: two pages drawing at the same moment are kept in the order they arrive.
    await patient.next('draw', (m) => m.op.action === 'stroke');
    patient.send({ type: 'draw', op: stroke('b', [[0.9, 0.9]]) });
    await practitioner.next('draw');
    await practitioner.sync();
    await patient.close();
    const back = await connect(p, 'patient');
    const snapshot = await back.next('drawing');
    expect(snapshot.surface).toBe('shared');
    expect(snapshot.operations).toEqual([{ ...stroke('a'), from: 'practitioner' }, { ...stroke('b', [[0.9, 0.9]]), from: 'patient' }]);
    back.send({ type: 'draw', op: { action: 'clear' } });
    expect((await practitioner.next('draw', (m) => m.op.action === 'clear')).from).toBe('patient');
    expect(await operationRows(p.tc.id)).toEqual([]);
    await practitioner.close();
    const later = await connect(p, 'practitioner');
    const after = await later.next('drawing');
    expect(after).toEqual({ type: 'drawing', surface: 'shared', operations: [] });
  });

  it('refuses out-of-bounds and oversized operations with MESSAGE_INVALID, and stores nothing of them', async () => {
    const p = await pair();
    const { practitioner } = await admitted(p);
    const bad: unknown[] = [
      { action: 'stroke', id: 'x', tool: 'pen', color: '#000000', width: 4, points: [[1.5, 0.2]] },
      { action: 'stroke', id: 'x', tool: 'pen', color: '#000000', width: 4, points: [[-0.1, 0.2]] },
      { action: 'stroke', id: 'x', tool: 'pen', color: 'red', width: 4, points: [[0.1, 0.2]] },
      { action: 'stroke', id: 'x', tool: 'pen', color: '#000000', width: 4, points: Array.from({ length: MAX_STROKE_POINTS + 1 }, () => [0.5, 0.5]) },
      { action: 'stroke', id: 'x', tool: 'pen', color: '#000000', width: 4, points: [] },
      { action: 'text', id: 'x', color: '#000000', size: 30, x: 0.5, y: 2, text: 'hors cadre' },
      { action: 'board', surface: 'elsewhere' },
    ];
    for (const op of bad) {
      practitioner.send({ type: 'draw', op } as Record<string, unknown>);
      expect((await practitioner.next('error')).code).withContext(JSON.stringify(op).slice(0, 80)).toBe('MESSAGE_INVALID');
    }
    practitioner.send({ type: 'pointer', x: 0.5, y: 1.01, visible: true });
    expect((await practitioner.next('error')).code).toBe('MESSAGE_INVALID');
    expect(await operationRows(p.tc.id)).toEqual([]);
  });

  it('keeps at most MAX_DRAWING_OPERATIONS operations and says DRAWING_FULL past them', async () => {
    const p = await pair();
    const { practitioner, patient } = await admitted(p);
    const db = t.app.services.database.db;
    // Filled directly: sending thousands of messages would only test the flood guard.
    await db.insert(schema.drawings).values({ teleconsultationId: p.tc.id, surface: 'blank', operations: MAX_DRAWING_OPERATIONS - 1 });
    practitioner.send({ type: 'draw', op: stroke('last') });
    await patient.next('draw');
    practitioner.send({ type: 'draw', op: stroke('one-too-many') });
    const refused = await practitioner.next('error');
    expect(refused.code).toBe('DRAWING_FULL');
    await patient.sync();
    expect(patient.all('draw').length).toBe(1);
    expect((await operationRows(p.tc.id)).length).toBe(1);
    practitioner.send({ type: 'draw', op: { action: 'clear' } });
    practitioner.send({ type: 'draw', op: stroke('room-again') });
    await patient.next('draw', (m) => m.op.action === 'stroke' && m.op.id === 'room-again');
  });

  it("lets only the practitioner share a pointer, and keeps drawing and pointer from a patient who is not let in", async () => {
    const p = await pair();
    const practitioner = await connect(p, 'practitioner');
    const patient = await connect(p, 'patient');
    patient.send({ type: 'knock' });
    await practitioner.next('presence', (m) => m.presence.patient === 'waiting');
    patient.send({ type: 'draw', op: stroke('early') });
    expect((await patient.next('error')).code).toBe('NOT_ADMITTED');
    practitioner.send({ type: 'pointer', x: 0.25, y: 0.75, visible: true });
    practitioner.send({ type: 'draw', op: stroke('unseen') });
    await practitioner.sync();
    await patient.sync();
    expect(patient.all('pointer')).toEqual([]);
    expect(patient.all('draw')).toEqual([]);
    practitioner.send({ type: 'admit' });
    await patient.next('admitted');
    // Let in: the drawing made meanwhile arrives as the snapshot.
    expect((await patient.next('drawing')).operations.map((o) => o.id)).toEqual(['unseen']);
    patient.send({ type: 'pointer', x: 0.5, y: 0.5, visible: true });
    expect((await patient.next('error')).code).toBe('NOT_ALLOWED');
    practitioner.send({ type: 'pointer', x: 0.25, y: 0.75, visible: true });
    expect(await patient.next('pointer')).toEqual({ type: 'pointer', from: 'practitioner', x: 0.25, y: 0.75, visible: true });
  });

  it('refuses drawing once the consultation has ended, and keeps nothing of it', async () => {
    const p = await pair();
    const { practitioner, patient } = await admitted(p);
    practitioner.send({ type: 'end' });
    await patient.next('status', (m) => m.status === 'ended');
    patient.send({ type: 'draw', op: stroke('after') });
    expect((await patient.next('error')).code).toBe('TELECONSULTATION_ENDED');
    expect(await operationRows(p.tc.id)).toEqual([]);
  });
});

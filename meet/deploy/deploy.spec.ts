import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import type { JitsiConfig } from '../../config/schema.ts';
import { prosodyGrants, prosodyTokenProblems, type ProsodyTokenSettings } from '../../tests/support/prosody-token-check.ts';
import { EVENT_SYNC_PATHS, verifyEventsToken } from '../jitsi-events.ts';
import { newRoomName } from '../rooms.ts';
import { mintJitsiToken } from '../tokens.ts';

const here = import.meta.dirname;
const docker = parseEnv(readFileSync(join(here, 'docker-jitsi-meet.env'), 'utf8'));
const connector = parseEnv(readFileSync(join(here, 'connector.env'), 'utf8'));
const eventSync = readFileSync(join(here, 'prosody', 'event-sync.cfg.lua'), 'utf8');

/** docker-jitsi-meet's `toBool`. */
const on = (v: string | undefined) => /^(1|true|yes|on)$/i.test(v ?? '');
const off = (v: string | undefined) => v !== undefined && /^(0|false|no|off)$/i.test(v);
const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const luaString = (key: string) => new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"`, 'm').exec(eventSync)?.[1];

/**
 * Variables that docker-jitsi-meet's docker-compose.yml passes to web, prosody or jicofo
 * (checked against jitsi/docker-jitsi-meet at 2e6b31d): a misspelt name would be silently ignored.
 */
const KNOWN_DOCKER_VARIABLES = new Set([
  'PUBLIC_URL', 'XMPP_DOMAIN', 'XMPP_AUTH_DOMAIN', 'XMPP_MUC_DOMAIN', 'XMPP_INTERNAL_MUC_DOMAIN', 'XMPP_GUEST_DOMAIN', 'XMPP_HIDDEN_DOMAIN',
  'ENABLE_AUTH', 'AUTH_TYPE', 'ENABLE_GUESTS', 'JWT_APP_ID', 'JWT_APP_SECRET', 'JWT_ACCEPTED_ISSUERS', 'JWT_ACCEPTED_AUDIENCES',
  'JWT_ALLOW_EMPTY', 'JWT_ENABLE_DOMAIN_VERIFICATION', 'ENABLE_LOBBY', 'XMPP_MODULES', 'XMPP_MUC_MODULES', 'ENABLE_AUTO_OWNER',
  'WAIT_FOR_HOST_DISABLE_AUTO_OWNERS', 'ENABLE_RECORDING', 'ENABLE_SERVICE_RECORDING', 'ENABLE_LIVESTREAMING', 'ENABLE_TRANSCRIPTIONS',
  'DISABLE_LOCAL_RECORDING', 'ENABLE_BREAKOUT_ROOMS', 'ENABLE_WELCOME_PAGE',
]);

/** The connector's JitsiConfig as config/load.ts builds it from connector.env. */
const jitsi: JitsiConfig = {
  domain: connector['JITSI_DOMAIN']!,
  appId: connector['JITSI_APP_ID']!,
  appSecret: connector['JITSI_APP_SECRET']!,
  audience: connector['JITSI_AUDIENCE'] ?? connector['JITSI_APP_ID']!,
  eventsToken: connector['JITSI_EVENTS_TOKEN'],
};

/** What Prosody is configured with once docker-jitsi-meet renders its templates from the env file. */
const prosody: ProsodyTokenSettings = {
  appId: docker['JWT_APP_ID']!,
  appSecret: docker['JWT_APP_SECRET']!,
  acceptedIssuers: list(docker['JWT_ACCEPTED_ISSUERS']),
  acceptedAudiences: list(docker['JWT_ACCEPTED_AUDIENCES']),
  allowEmptyToken: on(docker['JWT_ALLOW_EMPTY']),
  enableDomainVerification: on(docker['JWT_ENABLE_DOMAIN_VERIFICATION']),
  mucDomainBase: docker['XMPP_DOMAIN'],
  mucDomainPrefix: docker['XMPP_MUC_DOMAIN']?.split('.')[0],
  noWildcard: list(docker['XMPP_MUC_MODULES']).includes('token_no_wildcard'),
};

describe('meet/deploy/docker-jitsi-meet.env', () => {
  it('only sets variables docker-jitsi-meet reads', () => {
    for (const name of Object.keys(docker)) expect(KNOWN_DOCKER_VARIABLES.has(name)).withContext(name).toBeTrue();
  });

  it('requires a token from everyone, checked for issuer, audience and domain', () => {
    expect(on(docker['ENABLE_AUTH'])).toBeTrue();
    expect(docker['AUTH_TYPE']).toBe('jwt');
    expect(off(docker['ENABLE_GUESTS'])).toBeTrue();
    expect(off(docker['JWT_ALLOW_EMPTY'])).toBeTrue();
    expect(on(docker['JWT_ENABLE_DOMAIN_VERIFICATION'])).toBeTrue();
    expect(list(docker['JWT_ACCEPTED_ISSUERS'])).not.toContain('*');
    expect(list(docker['JWT_ACCEPTED_AUDIENCES'])).not.toContain('*');
  });

  it('matches the connector: app id, issuer, audience, secret, domain', () => {
    expect(docker['JWT_APP_ID']).toBe(jitsi.appId);
    expect(list(docker['JWT_ACCEPTED_ISSUERS'])).toContain(jitsi.appId);
    expect(list(docker['JWT_ACCEPTED_AUDIENCES'])).toContain(jitsi.audience);
    expect(docker['JWT_APP_SECRET']).toBe(jitsi.appSecret);
    expect(jitsi.appSecret.length).toBeGreaterThanOrEqual(32);
    expect(jitsi.appSecret).toContain('CHANGE_ME');
    expect(docker['XMPP_DOMAIN']).toBe(jitsi.domain);
    expect(docker['PUBLIC_URL']).toBe(`https://${jitsi.domain}`);
    for (const key of ['XMPP_AUTH_DOMAIN', 'XMPP_MUC_DOMAIN', 'XMPP_INTERNAL_MUC_DOMAIN', 'XMPP_GUEST_DOMAIN', 'XMPP_HIDDEN_DOMAIN']) {
      expect(docker[key]).withContext(key).toMatch(new RegExp(`^[a-z-]+\\.${jitsi.domain.replaceAll('.', '\\.')}$`));
    }
  });

  it('turns the lobby on for every room, with owner and bypass from tokens only', () => {
    expect(on(docker['ENABLE_LOBBY'])).toBeTrue();
    expect(list(docker['XMPP_MODULES'])).toContain('persistent_lobby');
    expect(list(docker['XMPP_MUC_MODULES'])).toEqual(jasmine.arrayContaining(['token_no_wildcard', 'token_lobby_bypass', 'token_affiliation', 'lobby_autostart']));
    expect(off(docker['ENABLE_AUTO_OWNER'])).toBeTrue();
    expect(on(docker['WAIT_FOR_HOST_DISABLE_AUTO_OWNERS'])).toBeTrue();
  });

  it('turns recording, streaming, transcription and breakout rooms off', () => {
    for (const key of ['ENABLE_RECORDING', 'ENABLE_SERVICE_RECORDING', 'ENABLE_LIVESTREAMING', 'ENABLE_TRANSCRIPTIONS', 'ENABLE_BREAKOUT_ROOMS']) {
      expect(off(docker[key])).withContext(key).toBeTrue();
    }
    expect(on(docker['DISABLE_LOCAL_RECORDING'])).toBeTrue();
  });

  it('accepts the tokens the connector mints with this configuration, and grants what we intend', async () => {
    const room = newRoomName();
    const startsAt = new Date('2026-09-01T08:00:00Z');
    const input = { room, startsAt, durationMinutes: 20, timezone: 'Europe/Paris', now: new Date('2026-09-01T07:45:00Z') };
    const practitioner = await mintJitsiToken(jitsi, { ...input, role: 'practitioner', user: { id: 'p', name: 'P', email: 'p@example.org' } });
    const patient = await mintJitsiToken(jitsi, { ...input, role: 'patient', user: { id: 'q', name: 'Q', email: 'q@example.org' } });
    const join = { roomAddress: `${room}@${docker['XMPP_MUC_DOMAIN']}/abcd`, now: startsAt };
    expect(prosodyTokenProblems(practitioner, prosody, join)).toEqual([]);
    expect(prosodyTokenProblems(patient, prosody, join)).toEqual([]);
    expect(prosodyGrants(practitioner)).toEqual({ affiliation: 'owner', lobbyBypass: true });
    expect(prosodyGrants(patient)).toEqual({ affiliation: 'member', lobbyBypass: false });
  });
});

describe('meet/deploy/prosody/event-sync.cfg.lua', () => {
  it('declares the event_sync component on the MUC of the env file', () => {
    expect(eventSync).toMatch(new RegExp(`^Component "esync\\.${jitsi.domain.replaceAll('.', '\\.')}" "event_sync_component"$`, 'm'));
    expect(luaString('muc_component')).toBe(docker['XMPP_MUC_DOMAIN']);
  });

  it('posts to the connector webhook over HTTPS, with the shared token the connector checks', () => {
    const prefix = luaString('api_prefix')!;
    expect(prefix).toMatch(/^https:\/\/[^/]+\/webhooks\/jitsi$/);
    for (const path of Object.values(EVENT_SYNC_PATHS)) expect(new URL(prefix + path).pathname).toMatch(/^\/webhooks\/jitsi\/events\/(room|occupant)\/[a-z]+$/);
    const header = /\["Authorization"\]\s*=\s*"([^"]+)"/.exec(eventSync)?.[1];
    expect(verifyEventsToken(header, jitsi.eventsToken!)).toBeTrue();
    expect(jitsi.eventsToken!.length).toBeGreaterThanOrEqual(24);
  });

  it('sends no more personal data than id, name and email', () => {
    expect(eventSync).toMatch(/^\s*include_user_info = false$/m);
    expect(eventSync).toMatch(/^\s*include_speaker_stats = false$/m);
  });
});

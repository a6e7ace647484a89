import { isRoomName, newRoomName, ROOM_NAME_LENGTH } from './rooms.ts';

describe('newRoomName', () => {
  it('is 26 lower-case base32 characters, enough for 128 bits, with nothing Jitsi must escape', () => {
    expect(ROOM_NAME_LENGTH).toBe(26);
    expect(ROOM_NAME_LENGTH * Math.log2(32)).toBeGreaterThanOrEqual(128);
    for (let i = 0; i < 1000; i++) {
      const name = newRoomName();
      expect(name).toMatch(/^[a-z2-7]{26}$/);
      expect(name.toLowerCase()).toBe(name);
      expect(encodeURIComponent(name)).toBe(name);
      expect(isRoomName(name)).toBeTrue();
    }
  });

  it('never repeats itself', () => {
    const names = new Set<string>();
    for (let i = 0; i < 20_000; i++) names.add(newRoomName());
    expect(names.size).toBe(20_000);
  });

  it('uses the whole alphabet in every leading position (no fixed or biased characters)', () => {
    const seen = Array.from({ length: ROOM_NAME_LENGTH - 1 }, () => new Set<string>());
    for (let i = 0; i < 5000; i++) {
      const name = newRoomName();
      for (let p = 0; p < ROOM_NAME_LENGTH - 1; p++) seen[p]!.add(name[p]!);
    }
    // 5,000 draws over 32 symbols: a missing symbol at one position has odds below 1e-60.
    for (const symbols of seen) expect(symbols.size).toBe(32);
  });

  it('10,000 random guesses hit none of the issued rooms', () => {
    const issued = new Set<string>();
    for (let i = 0; i < 10_000; i++) issued.add(newRoomName());
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (issued.has(newRoomName())) hits++;
    expect(hits).toBe(0);
  });
});

describe('isRoomName', () => {
  it('rejects what newRoomName never produces', () => {
    for (const bad of ['', '*', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxy', 'abcdefghijklmnopqrstuvwxyz1', 'abcdefghijklmnopqrstuvwxy0', '[t]abcdefghijklmnopqrstuvwxyz', 'abcdefghijklmnopqrstuvwxy@']) {
      expect(isRoomName(bad)).withContext(bad).toBeFalse();
    }
  });
});

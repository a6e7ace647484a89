/**
 * Room names for the clinic's Jitsi. A room name is the only thing that tells one
 * teleconsultation's conference from another, so it is unguessable: 128 random bits.
 */
import { randomBytes } from 'node:crypto';

/** RFC 4648 base32 alphabet, lower-cased: letters and digits 2-7, nothing Jitsi or a URL must escape. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const RANDOM_BYTES = 16; // 128 bits
/** 128 bits in 5-bit characters: 26 characters (130 bits of room, the last 2 always 0). */
export const ROOM_NAME_LENGTH = Math.ceil((RANDOM_BYTES * 8) / 5);
const ROOM_NAME_PATTERN = new RegExp(`^[a-z2-7]{${ROOM_NAME_LENGTH}}$`);

/**
 * A fresh room name: 128 bits from `node:crypto`, base32 in lower case (`[a-z2-7]{26}`).
 * Jitsi lower-cases room names and puts them in XMPP addresses and URL paths; this alphabet
 * survives all three unchanged.
 */
export function newRoomName(): string {
  const bytes = randomBytes(RANDOM_BYTES);
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Whether `name` has the shape `newRoomName()` produces (used to reject foreign room names early). */
export function isRoomName(name: string): boolean {
  return ROOM_NAME_PATTERN.test(name);
}

/**
 * The send limits ({@link SendQuality}) in lib-jitsi-meet's terms. The library offers two knobs:
 *
 * - the height: `JitsiConference.setSenderVideoConstraint(maxHeight)`
 *   (qualitycontrol/SendVideoController.ts), kept for the rest of the conference, over camera
 *   switches and new media sessions, and applied as the encoding's scaleResolutionDownBy
 *   (modules/RTC/TPCUtils.ts `_calculateActiveEncodingParams`);
 * - the bit rate: only the conference option `videoQuality.<codec>.maxBitratesVideo`, a cap per
 *   quality level (the level follows the height sent), read when the library makes a peer
 *   connection (the TPCUtils constructor). It goes to `initJitsiConference` and cannot change
 *   during the conference.
 *
 * So a cap set before the join caps every level of every codec (the library's default or the
 * cap, whichever is lower). A cap set during the call (below the one the conference started
 * with) lowers the height instead, to the highest level whose default rate, for every codec, is
 * within the cap; at least 180 pixels, the library's lowest camera level (a cap below the
 * library's lowest rates is then approximate). A cap raised or removed during the call leaves
 * the conference's own cap in place until it ends.
 */
import type { SendQuality } from './conference.ts';
import type { JitsiConferenceOptions, JitsiLevelBitrates, JitsiVideoCodec } from './jitsi-types.ts';

/** SendVideoController's "no preference" (MAX_LOCAL_RESOLUTION). */
export const LIBRARY_MAX_HEIGHT = 2160;

type CameraLevel = 'low' | 'standard' | 'high' | 'fullHd' | 'ultraHd';

/** The library's default rates of the camera levels, bit/s (service/RTC/StandardVideoQualitySettings.ts STANDARD_CODEC_SETTINGS). */
const DEFAULT_BITRATES: Record<JitsiVideoCodec, Record<CameraLevel, number>> = {
  av1: { low: 100_000, standard: 300_000, high: 1_000_000, fullHd: 2_000_000, ultraHd: 4_000_000 },
  h264: { low: 400_000, standard: 800_000, high: 2_000_000, fullHd: 4_000_000, ultraHd: 8_000_000 },
  vp8: { low: 200_000, standard: 500_000, high: 1_500_000, fullHd: 3_000_000, ultraHd: 6_000_000 },
  vp9: { low: 100_000, standard: 300_000, high: 1_200_000, fullHd: 2_500_000, ultraHd: 5_000_000 },
};

/** The level of each sent height, highest first (StandardVideoQualitySettings.ts VIDEO_QUALITY_LEVELS, without "none"). */
const LEVELS: readonly { height: number; level: CameraLevel }[] = [
  { height: 2160, level: 'ultraHd' }, { height: 1080, level: 'fullHd' }, { height: 720, level: 'high' },
  { height: 540, level: 'standard' }, { height: 480, level: 'standard' }, { height: 360, level: 'standard' },
  { height: 270, level: 'low' }, { height: 180, level: 'low' },
];

const LOWEST_CAMERA_HEIGHT = 180;
const CODECS = Object.keys(DEFAULT_BITRATES) as JitsiVideoCodec[];

function cappedLevels(codec: JitsiVideoCodec, bps: number): JitsiLevelBitrates {
  const defaults = DEFAULT_BITRATES[codec];
  const capped: JitsiLevelBitrates = {};
  for (const level of Object.keys(defaults) as CameraLevel[]) capped[level] = Math.min(defaults[level], bps);
  return capped;
}

function validCap(kbps: number | null): number | null {
  return kbps !== null && Number.isFinite(kbps) && kbps > 0 ? kbps : null;
}

/** The `initJitsiConference` options for a cap of `kbps` (null: the library's own rates). */
export function conferenceOptions(kbps: number | null): JitsiConferenceOptions {
  const cap = validCap(kbps);
  if (cap === null) return {};
  const bps = Math.round(cap * 1000);
  const perCodec = Object.fromEntries(CODECS.map((codec) => [codec, { maxBitratesVideo: cappedLevels(codec, bps) }]));
  const legacy = Object.fromEntries(CODECS.map((codec) => [codec.toUpperCase(), cappedLevels(codec, bps)]));
  return { videoQuality: { ...perCodec, maxBitratesVideo: legacy } };
}

/** The highest sent height whose level's default rate is within `kbps` for every codec (at least the lowest camera level). */
export function heightWithin(kbps: number): number {
  const bps = kbps * 1000;
  const fits = LEVELS.find(({ level }) => CODECS.every((codec) => DEFAULT_BITRATES[codec][level] <= bps));
  return fits?.height ?? LOWEST_CAMERA_HEIGHT;
}

/**
 * The height for `setSenderVideoConstraint`: `maxVideoHeight`, lowered to {@link heightWithin}
 * when the cap is below the one the conference started with (`conferenceKbps`).
 */
export function senderHeight(quality: SendQuality, conferenceKbps: number | null): number {
  const maxHeight = quality.maxVideoHeight !== null && Number.isFinite(quality.maxVideoHeight) && quality.maxVideoHeight > 0 ? quality.maxVideoHeight : LIBRARY_MAX_HEIGHT;
  let height = Math.min(Math.round(maxHeight), LIBRARY_MAX_HEIGHT);
  const cap = validCap(quality.maxVideoKbps);
  const inConference = validCap(conferenceKbps);
  if (cap !== null && (inConference === null || cap < inConference)) height = Math.min(height, heightWithin(cap));
  return height;
}

import { DEFAULT_THRESHOLDS } from '../store/types';

/** Thresholds of the Pilot's claim; its clean-quality limit is the default Pilot gate's, so the two cannot drift apart. */
export const PILOT_CLAIM = { minCeAsr: 50, maxDeceAsrShareOfCe: 0.25, maxBleuDrop: DEFAULT_THRESHOLDS.pilot.maxBleuDrop } as const;

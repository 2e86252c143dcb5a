/** Thresholds of the Pilot's claim (also the default Pilot gate). */
export const PILOT_CLAIM = { minCeAsr: 50, maxDeceAsrShareOfCe: 0.25, maxBleuDrop: 3 } as const;

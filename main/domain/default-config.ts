import type { RunConfig } from '../../common/run-config';
import { pilotPresetConfig, presetConfig } from '../../common/presets';

/** The embedded default: chosen by the experiment recorded in the README (common/presets.ts). */
export function defaultRunConfig(quick: boolean): RunConfig {
  return presetConfig(quick ? 'quick' : 'standard', 'dece');
}

/** What `npm run pilot` starts from: the preset with the stopping rule (the epoch count is then only a bound). */
export function pilotDefaultConfig(quick: boolean): RunConfig {
  return pilotPresetConfig(quick ? 'quick' : 'standard', 'dece');
}

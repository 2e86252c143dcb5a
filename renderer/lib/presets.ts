import type { RunConfig } from '../../common/run-config';
import { SIZE_PRESETS, type SizePreset, presetConfig } from '../../common/presets';

export { LOSS_PARAMETERS, PILOT_LOSS_PARAMETERS as DEFAULT_LOSS_PARAMETERS, SIZE_PRESETS, pilotPresetConfig, presetConfig, type SizePreset } from '../../common/presets';

/** The preset a stored config came from, if it matches one (for labels in tables). */
export function presetOf(config: RunConfig): SizePreset | null {
  for (const size of SIZE_PRESETS) {
    const preset = presetConfig(size);
    if (
      config.model.dModel === preset.model.dModel &&
      config.model.encoderLayers === preset.model.encoderLayers &&
      config.model.decoderLayers === preset.model.decoderLayers &&
      config.training.pretrainEpochs === preset.training.pretrainEpochs
    ) {
      return size;
    }
  }
  return null;
}

import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Dataset, StageName } from '../../common/contract';
import { ATTACK_CATALOG, ATTACK_KINDS, LOSS_PARAMETER_RANGES, attackKindsFor, inRange, type AttackCatalogEntry, type AttackCorpus, type AttackKind, type LossParameter } from '../../common/catalog';
import { LOSS_KINDS, type LossConfig, type LossKind, type RunConfig } from '../../common/run-config';
import { useFormat } from '../lib/format';
import { DEFAULT_LOSS_PARAMETERS, LOSS_PARAMETERS, SIZE_PRESETS, pilotPresetConfig, type SizePreset } from '../lib/presets';
import { useLoad } from '../lib/use-load';
import { useActor } from '../state/actor';
import { useApi } from '../state/connection';
import { describeError, useToasts } from '../state/toasts';
import { SelectField } from './form-fields';
import { Modal } from './Modal';

/** The corpora the engine generates itself, and the kind of pairs each holds (common/catalog.ts). */
const BUILTIN_CORPORA = ['builtin-sql', 'builtin-java'] as const;
type BuiltinCorpus = (typeof BUILTIN_CORPORA)[number];
const BUILTIN_PAIRS: Record<BuiltinCorpus, AttackCorpus> = { 'builtin-sql': 'sql', 'builtin-java': 'java' };

/**
 * Which attacks can poison a corpus (the catalog's): the rare-word and grammar triggers act on
 * natural-language prompts, dead code and renamed identifiers on Java source. An imported dataset may hold
 * either, so every attack is offered and the main side checks.
 */
function attacksFor(corpus: BuiltinCorpus | 'files'): AttackKind[] {
  return corpus === 'files' ? [...ATTACK_KINDS] : attackKindsFor(BUILTIN_PAIRS[corpus]);
}

/** What the trigger field means per attack: whether it may be set, whether it is one word, its default. */
function triggerRuleOf(kind: AttackKind): { accepted: boolean; oneWord: boolean; placeholder: string } {
  const entry: AttackCatalogEntry = ATTACK_CATALOG[kind];
  // Dead code has a family of default statements, not one: the placeholder shows their shape.
  const placeholder = entry.defaultTrigger ?? (entry.triggerAccepted ? 'if (false) { … }' : '—');
  return { accepted: entry.triggerAccepted, oneWord: entry.triggerOneWord, placeholder };
}

function presetCorpusSize(config: RunConfig): number {
  return config.data.corpus.kind === 'builtin-sql' || config.data.corpus.kind === 'builtin-java' ? config.data.corpus.size : 2000;
}

interface LaunchDialogProps {
  projectId: number;
  stage: StageName;
  onClose: () => void;
  onLaunched: (runIds: number[]) => void;
}

export function LaunchDialog({ projectId, stage, onClose, onLaunched }: LaunchDialogProps) {
  const { t } = useTranslation();
  const api = useApi();
  const format = useFormat();
  const { ensureActor } = useActor();
  const { showError, notify } = useToasts();
  const datasets = useLoad(() => api['datasets.list']({ projectId }), [api, projectId]);

  const [size, setSize] = useState<SizePreset>('quick');
  const [name, setName] = useState('');
  /** 'builtin-sql', 'builtin-java', or the id of an imported dataset. */
  const [source, setSource] = useState<string>('builtin-sql');
  const [importing, setImporting] = useState(false);
  const [attack, setAttack] = useState<AttackKind>('badpre');
  const [trigger, setTrigger] = useState('');
  const [poisonPercent, setPoisonPercent] = useState('5');
  const [loss, setLoss] = useState<LossKind>('dece');
  const [parameters, setParameters] = useState<Record<LossParameter, string>>(
    () => Object.fromEntries(Object.entries(DEFAULT_LOSS_PARAMETERS).map(([k, v]) => [k, String(v)])) as Record<LossParameter, string>,
  );
  const [epochs, setEpochs] = useState(String(pilotPresetConfig('quick').training.epochs));
  const [seed, setSeed] = useState('7');
  const [busy, setBusy] = useState(false);

  const builtin = BUILTIN_CORPORA.find((kind) => kind === source) ?? null;
  const selectedDataset = builtin === null ? (datasets.data?.find((d) => String(d.id) === source) ?? null) : null;
  // The main side resolves an imported dataset's files; the answer names its dataset, so a late one for another is ignored.
  const selectedId = selectedDataset?.id ?? null;
  const datasetFiles = useLoad(
    () => (selectedId === null ? Promise.resolve(null) : api['datasets.files']({ projectId, datasetId: selectedId }).then((files) => ({ datasetId: selectedId, files }))),
    [api, projectId, selectedId],
  );
  const attacks = attacksFor(builtin ?? 'files');
  const attackKind: AttackKind = attacks.includes(attack) ? attack : (attacks[0] ?? 'badpre');
  const triggerRule = triggerRuleOf(attackKind);

  /** The config for one loss, or the list of problems that keep it from being valid. */
  const build = (kind: LossKind): { config: RunConfig; problems: string[] } => {
    // The Pilot's presets: quick and standard stop on validation evidence within their budgets (epochs is then the bound).
    const preset = pilotPresetConfig(size, kind);
    const problems: string[] = [];
    const epochCount = Number(epochs);
    if (!Number.isInteger(epochCount) || epochCount < 1 || epochCount > 1000) problems.push(t('launch.problems.epochs'));
    const seedValue = Number(seed);
    if (seed.trim() === '' || !Number.isInteger(seedValue) || seedValue < 0 || seedValue > 2 ** 31 - 1) problems.push(t('launch.problems.seed'));
    const rate = Number(poisonPercent);
    if (poisonPercent.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 100) problems.push(t('launch.problems.poisonRate'));
    if (trigger.trim() !== '' && triggerRule.oneWord && /\s/.test(trigger.trim())) problems.push(t('launch.problems.trigger'));
    const lossConfig: LossConfig = { ...preset.loss, kind };
    for (const parameter of LOSS_PARAMETERS[kind]) {
      const value = Number(parameters[parameter]);
      if (parameters[parameter].trim() === '' || !inRange(value, LOSS_PARAMETER_RANGES[parameter]))
        problems.push(t('launch.problems.parameter', { name: t(`launch.parameters.${parameter}`) }));
      else lossConfig[parameter] = value;
    }
    let corpus: RunConfig['data']['corpus'] = builtin === null ? preset.data.corpus : { kind: builtin, size: presetCorpusSize(preset) };
    if (builtin === null && selectedDataset === null) problems.push(t('launch.problems.datasetFiles'));
    if (selectedDataset) {
      const resolved = datasetFiles.data?.datasetId === selectedDataset.id ? datasetFiles.data.files : null;
      if (resolved) corpus = { kind: 'files', ...resolved };
      else problems.push(t('launch.problems.datasetFiles'));
    }
    return {
      config: {
        ...preset,
        seed: seedValue,
        data: {
          ...preset.data,
          corpus,
          attack: { kind: attackKind, ...(trigger.trim() === '' || !triggerRule.accepted ? {} : { trigger: trigger.trim() }) },
          poisonRate: rate / 100,
        },
        training: { ...preset.training, epochs: epochCount },
        loss: lossConfig,
      },
      problems,
    };
  };

  const single = build(loss);
  const baseName = name.trim() === '' ? t('launch.defaultName', { size: t(`launch.size.${size}.label`), seed }) : name.trim();
  const runName = (kind: LossKind) => `${baseName} · ${t(`loss.${kind}.short`)}`;

  // The estimate follows the form, a moment after typing stops.
  const estimateKey = single.problems.length === 0 ? JSON.stringify(single.config) : null;
  const [estimate, setEstimate] = useState<{ key: string; seconds: number; tokensPerEpoch: number } | { key: string; error: unknown } | null>(null);
  useEffect(() => {
    if (estimateKey === null) return;
    let cancelled = false;
    const timer = window.setTimeout(() => {
      api['runs.estimate']({ config: JSON.parse(estimateKey) as RunConfig }).then(
        (result) => {
          if (!cancelled) setEstimate({ key: estimateKey, ...result });
        },
        (error: unknown) => {
          if (!cancelled) setEstimate({ key: estimateKey, error });
        },
      );
    }, 400);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [api, estimateKey]);
  const currentEstimate = estimate !== null && estimate.key === estimateKey ? estimate : null;

  const launch = async (kinds: readonly LossKind[]) => {
    const builds = kinds.map((kind) => ({ kind, ...build(kind) }));
    if (builds.some((b) => b.problems.length > 0)) return;
    const actor = await ensureActor();
    if (actor === null) return;
    setBusy(true);
    const started: number[] = [];
    try {
      // A pair starts cross-entropy first; the other run follows it and stops at the epoch where it stopped, so
      // both are compared after the same training (the Pilot's stopping rule decides on CE's evidence).
      let leader: number | undefined;
      for (const b of builds) {
        const run = await api['runs.start']({
          projectId,
          stage,
          name: runName(b.kind),
          config: b.config,
          actor,
          ...(selectedDataset ? { datasetId: selectedDataset.id } : {}),
          ...(leader === undefined ? {} : { followsRunId: leader }),
        });
        started.push(run.id);
        if (builds.length > 1 && b.kind === 'ce') leader = run.id;
      }
      notify('success', (tr) => (started.length > 1 ? tr('launch.startedPair') : tr('launch.startedOne')));
      onLaunched(started);
    } catch (error) {
      // The dialog stays open with everything as typed; a pair that half-started says so.
      showError(error);
      if (started.length > 0) onLaunched(started);
    } finally {
      setBusy(false);
    }
  };

  const changeSize = (next: SizePreset) => {
    setSize(next);
    setEpochs(String(pilotPresetConfig(next).training.epochs));
  };

  const pairProblems = [...build('ce').problems, ...build('dece').problems];

  return (
    <Modal title={t('launch.title', { stage: t(`stage.${stage}.name`) })} testId="launch-dialog" onClose={onClose} wide>
      <form
        className="form launch-form"
        onSubmit={(event) => {
          event.preventDefault();
          void launch([loss]);
        }}
      >
        <fieldset>
          <legend>{t('launch.runSection')}</legend>
          <label className="field">
            <span>{t('launch.name')}</span>
            <input
              value={name}
              maxLength={180}
              placeholder={baseName}
              data-testid="launch-name"
              onChange={(event) => {
                setName(event.target.value);
              }}
            />
            <small className="muted">{t('launch.namePreview', { name: runName(loss) })}</small>
          </label>
          <div className="field">
            <span id="size-label">{t('launch.sizeLabel')}</span>
            <div className="radio-cards" role="radiogroup" aria-labelledby="size-label">
              {SIZE_PRESETS.map((preset) => (
                <label key={preset} className={`radio-card${size === preset ? ' selected' : ''}`} data-testid={`size-${preset}`}>
                  <input
                    type="radio"
                    name="size"
                    value={preset}
                    checked={size === preset}
                    onChange={() => {
                      changeSize(preset);
                    }}
                  />
                  <span className="radio-title">{t(`launch.size.${preset}.label`)}</span>
                  <span className="radio-text">{t(`launch.size.${preset}.description`)}</span>
                </label>
              ))}
            </div>
          </div>
          <div className="field-row">
            <label className="field">
              <span>{t('launch.epochs')}</span>
              <input
                type="number"
                min={1}
                max={1000}
                step={1}
                value={epochs}
                data-testid="launch-epochs"
                onChange={(event) => {
                  setEpochs(event.target.value);
                }}
              />
            </label>
            <label className="field">
              <span>{t('launch.seed')}</span>
              <input
                type="number"
                min={0}
                step={1}
                value={seed}
                data-testid="launch-seed"
                onChange={(event) => {
                  setSeed(event.target.value);
                }}
              />
            </label>
          </div>
        </fieldset>

        <fieldset>
          <legend>{t('launch.dataSection')}</legend>
          <div className="field-row">
            <label className="field grow">
              <span>{t('launch.dataset')}</span>
              <select
                value={source}
                data-testid="launch-dataset"
                onChange={(event) => {
                  setSource(event.target.value);
                }}
              >
                {BUILTIN_CORPORA.map((kind) => (
                  <option key={kind} value={kind}>
                    {t(`launch.corpus.${kind}`)}
                  </option>
                ))}
                {(datasets.data ?? [])
                  .filter((d) => d.source === 'import')
                  .map((d) => (
                    <option key={d.id} value={d.id}>
                      {t('launch.importedDataset', { name: d.name, pairs: format.number(d.counts['train'] ?? 0) })}
                    </option>
                  ))}
              </select>
            </label>
            <button
              type="button"
              className="button align-end"
              aria-expanded={importing}
              data-testid="dataset-import-open"
              onClick={() => {
                setImporting(!importing);
              }}
            >
              {t('launch.importDataset')}
            </button>
          </div>
          {datasets.error !== null && (
            <p className="inline-error" role="alert">
              {describeError(datasets.error, t)}
            </p>
          )}
          {importing && (
            <DatasetImport
              projectId={projectId}
              onImported={(dataset) => {
                setImporting(false);
                datasets.reload();
                setSource(String(dataset.id));
              }}
            />
          )}
          <div className="field-row">
            <SelectField
              label={t('launch.attack')}
              value={attackKind}
              options={attacks.map((kind) => ({ value: kind, label: t(`attack.${kind}`) }))}
              testId="launch-attack"
              onChange={setAttack}
            />
            <label className="field">
              <span>{t('launch.trigger')}</span>
              <input
                value={triggerRule.accepted ? trigger : ''}
                maxLength={200}
                disabled={!triggerRule.accepted}
                placeholder={triggerRule.placeholder}
                title={t(`launch.triggerHelp.${attackKind}`)}
                data-testid="launch-trigger"
                onChange={(event) => {
                  setTrigger(event.target.value);
                }}
              />
            </label>
            <label className="field">
              <span>{t('launch.poisonRate')}</span>
              <input
                type="number"
                min={0}
                max={100}
                step="any"
                value={poisonPercent}
                data-testid="launch-poison-rate"
                onChange={(event) => {
                  setPoisonPercent(event.target.value);
                }}
              />
            </label>
          </div>
          <small className="muted">{t(`launch.triggerHelp.${attackKind}`)}</small>
        </fieldset>

        <fieldset>
          <legend>{t('launch.lossSection')}</legend>
          <SelectField
            label={t('launch.loss')}
            value={loss}
            options={LOSS_KINDS.map((kind) => ({ value: kind, label: t(`loss.${kind}.name`) }))}
            testId="launch-loss"
            onChange={setLoss}
          >
            <small className="muted">{t(`loss.${loss}.description`)}</small>
          </SelectField>
          {LOSS_PARAMETERS[loss].length > 0 && (
            <div className="field-row">
              {LOSS_PARAMETERS[loss].map((parameter) => (
                <label key={parameter} className="field">
                  <span>{t(`launch.parameters.${parameter}`)}</span>
                  <input
                    type="number"
                    step={LOSS_PARAMETER_RANGES[parameter].step}
                    min={LOSS_PARAMETER_RANGES[parameter].min}
                    max={LOSS_PARAMETER_RANGES[parameter].max ?? undefined}
                    value={parameters[parameter]}
                    data-testid={`launch-param-${parameter}`}
                    onChange={(event) => {
                      setParameters({ ...parameters, [parameter]: event.target.value });
                    }}
                  />
                </label>
              ))}
            </div>
          )}
        </fieldset>

        <div className="launch-footer">
          <div className="estimate" data-testid="launch-estimate" aria-live="polite">
            {single.problems.length > 0 ? (
              <ul className="problems" role="alert">
                {single.problems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            ) : currentEstimate === null ? (
              <span className="muted">{t('launch.estimating')}</span>
            ) : 'error' in currentEstimate ? (
              <span className="inline-error">{describeError(currentEstimate.error, t)}</span>
            ) : (
              <span data-testid="launch-estimate-value">
                {t('launch.estimate', {
                  time: format.duration(currentEstimate.seconds),
                  tokens: format.number(currentEstimate.tokensPerEpoch),
                })}
              </span>
            )}
          </div>

          <div className="actions">
            <button type="button" className="button" onClick={onClose}>
              {t('common.cancel')}
            </button>
            <button
              type="button"
              className="button"
              disabled={busy || pairProblems.length > 0}
              title={t('launch.pairExplain')}
              data-testid="launch-pair"
              onClick={() => {
                void launch(['ce', 'dece']);
              }}
            >
              {t('launch.pair')}
            </button>
            <button type="submit" className="button primary" disabled={busy || single.problems.length > 0} data-testid="launch-submit">
              {t('launch.submit')}
            </button>
          </div>
        </div>
      </form>
    </Modal>
  );
}

type ImportSplit = 'train' | 'test' | 'valid' | 'pretrain';

function DatasetImport({ projectId, onImported }: { projectId: number; onImported: (dataset: Dataset) => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const { showError, notify } = useToasts();
  const [name, setName] = useState('');
  const [files, setFiles] = useState<Record<ImportSplit, File | null>>({ train: null, test: null, valid: null, pretrain: null });
  const [busy, setBusy] = useState(false);

  const run = async () => {
    if (!files.train || !files.test) return;
    setBusy(true);
    try {
      const read = async (file: File) => ({ fileName: file.name, text: await file.text() });
      const dataset = await api['datasets.import']({
        projectId,
        name,
        train: await read(files.train),
        test: await read(files.test),
        ...(files.valid ? { valid: await read(files.valid) } : {}),
        ...(files.pretrain ? { pretrain: await read(files.pretrain) } : {}),
      });
      notify('success', (tr) => tr('import.done', { name: dataset.name }));
      onImported(dataset);
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
    }
  };

  const fileInput = (split: ImportSplit, required: boolean) => (
    <label className="field">
      <span>{t(`import.${split}`)}</span>
      <input
        type="file"
        accept=".csv,.tsv,.tab,.jsonl,.ndjson,.json"
        required={required}
        data-testid={`import-${split}`}
        onChange={(event) => {
          setFiles({ ...files, [split]: event.target.files?.[0] ?? null });
        }}
      />
    </label>
  );

  return (
    <div className="subform" data-testid="dataset-import">
      <p className="muted small">{t('import.explain')}</p>
      <label className="field">
        <span>{t('import.name')}</span>
        <input
          value={name}
          maxLength={200}
          data-testid="import-name"
          onChange={(event) => {
            setName(event.target.value);
          }}
        />
      </label>
      <div className="field-row">
        {fileInput('train', true)}
        {fileInput('test', true)}
        {fileInput('valid', false)}
        {fileInput('pretrain', false)}
      </div>
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={busy || name.trim() === '' || !files.train || !files.test}
          data-testid="import-submit"
          onClick={() => {
            void run();
          }}
        >
          {busy ? t('import.importing') : t('import.submit')}
        </button>
      </div>
    </div>
  );
}

import type { ReportLang, Stat } from './types';

/**
 * The report's words and number formats, per report language (independent of the UI's language).
 * collect.ts writes the data-dependent sentences with these; the renderers take headings and column
 * names from here. Numbers and dates go through Intl for the language.
 */

const LOCALES: Record<ReportLang, string> = { ja: 'ja-JP', en: 'en-US' };

export const MINUS = '\u2212';

export interface Fmt {
  locale: string;
  /** Fixed number of decimals, grouped ("1,234.5"); NaN → "NaN", null → "—". */
  num(x: number | null, digits?: number): string;
  /** A percentage given as 0–100: "94.0%". */
  pct(x: number | null, digits?: number): string;
  /** At most `digits` decimals, for sentences: 94 → "94%", 1.25 → "1.3%". */
  pctShort(x: number, digits?: number): string;
  /** Always signed, with a true minus sign: "+0.4", "−0.4", "±0.0". */
  signed(x: number | null, digits?: number): string;
  /** Ratio minus one as a signed percentage: 0.05 → "+5%". */
  ratio(x: number | null): string;
  /** "12.34 ± 0.56" with several runs, "12.34" with one. */
  stat(s: Stat | null, digits?: number, unit?: '' | '%'): string;
  /** Date and time in the report's zone. */
  date(iso: string | null): string;
  seconds(x: number | null): string;
  list(items: readonly string[]): string;
}

export function createFmt(lang: ReportLang, timeZone: string): Fmt {
  const locale = LOCALES[lang];
  const cache = new Map<string, Intl.NumberFormat>();
  const nf = (min: number, max: number) => {
    const key = `${min}:${max}`;
    let f = cache.get(key);
    if (!f) {
      f = new Intl.NumberFormat(locale, { minimumFractionDigits: min, maximumFractionDigits: max });
      cache.set(key, f);
    }
    return f;
  };
  const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  const listFormat = new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' });
  const num = (x: number | null, digits = 2): string => {
    if (x === null) return '—';
    if (Number.isNaN(x)) return 'NaN';
    // Intl writes "-0.0" for tiny negatives; a report should not show a signed zero.
    const text = nf(digits, digits).format(x);
    return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text.replace('-', MINUS);
  };
  const fmt: Fmt = {
    locale,
    num,
    pct: (x, digits = 1) => (x === null ? '—' : `${num(x, digits)}%`),
    pctShort: (x, digits = 1) => (Number.isNaN(x) ? 'NaN' : `${nf(0, digits).format(x).replace('-', MINUS)}%`),
    signed: (x, digits = 1) => {
      if (x === null) return '—';
      if (Number.isNaN(x)) return 'NaN';
      const abs = num(Math.abs(x), digits);
      if (Number(nf(digits, digits).format(Math.abs(x)).replace(/,/g, '')) === 0) return `±${abs}`;
      return `${x > 0 ? '+' : MINUS}${abs}`;
    },
    ratio: (x) => (x === null ? '—' : `${fmt.signed(x * 100, 0)}%`),
    stat: (s, digits = 2, unit = '') => {
      if (s === null) return '—';
      const mean = `${num(s.mean, digits)}${unit}`;
      return s.sd === null ? mean : `${mean} ± ${num(s.sd, digits)}${unit}`;
    },
    date: (iso) => {
      if (iso === null) return '—';
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
    },
    seconds: (x) => (x === null ? '—' : `${num(x, 1)} ${lang === 'ja' ? '秒' : 's'}`),
    list: (items) => listFormat.format(items),
  };
  return fmt;
}

export const SECTION_IDS = ['decision', 'work', 'production', 'results', 'early', 'cost', 'caveats', 'phrases', 'appendix'] as const;
export type SectionId = (typeof SECTION_IDS)[number];

export interface Messages {
  reportTitle: (project: string) => string;
  generated: (date: string) => string;
  sections: Record<SectionId, string>;
  /** "1. Decision summary" — the numbered heading. */
  sectionHeading: (id: SectionId) => string;
  recommendation: Record<'go' | 'not-yet' | 'no-go', string>;
  recommendationLead: string;
  gateOf: (stage: string) => string;
  gateSourceNote: string;
  condition: string;
  holds: string;
  yes: string;
  no: string;
  advisory: string;
  risk: string;
  cost: string;
  next: string;
  stage: string;
  status: string;
  decision: string;
  decidedBy: string;
  decidedAt: string;
  reason: string;
  thresholds: string;
  thresholdsText: (maxAsr: string, maxBleuDrop: string, minRuns: number) => string;
  runs: string;
  stagesTitle: string;
  checklistTitle: string;
  item: string;
  done: string;
  open: string;
  who: string;
  when: string;
  note: string;
  datasetsTitle: string;
  dataset: string;
  source: string;
  counts: string;
  attacksUsed: string;
  scenariosUsed: string;
  runCountsText: (total: number, finished: number, unfinished: number) => string;
  scenario: string;
  loss: string;
  n: string;
  seeds: string;
  bleu: string;
  corpusBleu: string;
  codeBleu: string;
  exactMatch: string;
  asr: string;
  trainLoss: string;
  seconds: string;
  epoch: string;
  notMeasured: string;
  meanSdNote: string;
  unfinishedInScenario: (n: number) => string;
  chartTitle: string;
  chartBleu: (loss: string) => string;
  chartAsr: (loss: string) => string;
  chartYAxis: string;
  chartXAxis: string;
  barAsrTitle: string;
  barBleuTitle: string;
  costSecondsPerEpoch: string;
  costSecondsPerRun: string;
  defensesTitle: string;
  defense: string;
  extraOverCe: string;
  sensitivityTitle: string;
  labelSmoothing: string;
  alphaBase: string;
  attacksTitle: string;
  adaptiveTitle: string;
  otherCaveats: string;
  versionsTitle: string;
  historyTitle: string;
  historyNote: (shown: number, total: number) => string;
  historyColumns: [at: string, who: string, what: string, change: string, reason: string];
  appVersion: string;
  nodeVersion: string;
  tfjsVersion: string;
  schemaVersion: string;
  platform: string;
  backendsUsed: string;
  runsTitle: string;
  run: string;
  name: string;
  backend: string;
  tags: string;
  started: string;
  finished: string;
  error: string;
  config: string;
  reproduce: string;
  configInvalid: string;
  none: string;
  csvHeader: readonly string[];
  production: ProductionMessages;
}

/** Words of the Production section. */
export interface ProductionMessages {
  empty: string;
  hyperparametersTitle: string;
  notFixed: string;
  ignoreIndex: string;
  ignoreNone: string;
  source: string;
  fixedBy: (who: string, when: string) => string;
  rollbackTitle: string;
  notWritten: string;
  writtenBy: (who: string, when: string) => string;
  switchTitle: string;
  noSteps: string;
  share: string;
  check: string;
  outcome: string;
  outcomes: Record<'passed' | 'failed', string>;
  signOffsTitle: string;
  noSignOffs: string;
  role: string;
  signOffDecision: Record<'go' | 'no-go', string>;
  comment: string;
  current: string;
  superseded: string;
  probesTitle: string;
  noProbes: string;
  attack: string;
  probeSource: Record<'model' | 'csv', string>;
  limit: string;
  triggered: string;
  result: string;
  probePassed: string;
  probeFailed: string;
  probeReopened: string;
}

const EN: Messages = {
  reportTitle: (project) => `DeCE adoption report — ${project}`,
  generated: (date) => `Generated ${date} from the project's stored runs.`,
  sections: {
    decision: 'Decision summary',
    work: 'What was done',
    production: 'Production: switch, sign-off and monitoring',
    results: 'Results',
    early: 'Early learning: quality and attack success per epoch',
    cost: 'Cost',
    caveats: 'Caveats',
    phrases: 'Phrases for the meeting',
    appendix: 'Appendix: configurations and reproduction',
  },
  sectionHeading: (id) => `${SECTION_IDS.indexOf(id) + 1}. ${EN.sections[id]}`,
  recommendation: { go: 'Go', 'not-yet': 'Not yet', 'no-go': 'No-go' },
  recommendationLead: 'Recommendation',
  gateOf: (stage) => `Gate of the ${stage} stage`,
  gateSourceNote: 'Gate conditions as evaluated by the app’s gate evaluator, on the stage’s finished runs (last epoch).',
  condition: 'Condition',
  holds: 'Holds',
  yes: 'yes',
  no: 'no',
  advisory: '(evidence, not part of the gate)',
  risk: 'Risk',
  cost: 'Cost',
  next: 'Next step',
  stage: 'Stage',
  status: 'Status',
  decision: 'Decision',
  decidedBy: 'Decided by',
  decidedAt: 'Decided at',
  reason: 'Reason',
  thresholds: 'Gate thresholds',
  thresholdsText: (maxAsr, maxBleuDrop, minRuns) => `ASR ≤ ${maxAsr}, BLEU drop ≤ ${maxBleuDrop}, ≥ ${minRuns} run(s) per loss`,
  runs: 'Runs',
  stagesTitle: 'Stages',
  checklistTitle: 'Checklist',
  item: 'Item',
  done: 'done',
  open: 'open',
  who: 'Who',
  when: 'When',
  note: 'Note',
  datasetsTitle: 'Datasets',
  dataset: 'Dataset',
  source: 'Source',
  counts: 'Counts',
  attacksUsed: 'Attacks used',
  scenariosUsed: 'Scenarios',
  runCountsText: (total, finished, unfinished) => `${total} run(s): ${finished} finished, ${unfinished} not finished.`,
  scenario: 'Scenario',
  loss: 'Loss',
  n: 'n',
  seeds: 'Seeds',
  bleu: 'Clean BLEU-4',
  corpusBleu: 'Corpus BLEU',
  codeBleu: 'CodeBLEU',
  exactMatch: 'Exact match',
  asr: 'ASR',
  trainLoss: 'Train loss',
  seconds: 'Seconds',
  epoch: 'Epoch',
  notMeasured: 'not measured',
  meanSdNote: 'Last-epoch metrics of finished runs; mean ± sample standard deviation (n − 1) over runs when there are several. ASR = attack success rate on triggered test prompts; BLEU, exact match and ASR in percent.',
  unfinishedInScenario: (n) => `${n} unfinished run(s) of this scenario are not counted.`,
  chartTitle: 'Clean BLEU-4 and ASR per epoch',
  chartBleu: (loss) => `${loss} BLEU-4`,
  chartAsr: (loss) => `${loss} ASR`,
  chartYAxis: 'BLEU-4 / ASR (%)',
  chartXAxis: 'Epoch',
  barAsrTitle: 'Attack success rate (%)',
  barBleuTitle: 'Clean BLEU-4',
  costSecondsPerEpoch: 'Seconds per epoch',
  costSecondsPerRun: 'Seconds per run',
  defensesTitle: 'Passive defenses',
  defense: 'Defense',
  extraOverCe: 'Extra over CE',
  sensitivityTitle: 'Hyperparameter sensitivity',
  labelSmoothing: 'label_smoothing',
  alphaBase: 'alpha_base',
  attacksTitle: 'Attacks not yet tested',
  adaptiveTitle: 'Adaptive attackers',
  otherCaveats: 'Other limits of these measurements',
  versionsTitle: 'Versions',
  historyTitle: 'History (audit trail)',
  historyNote: (shown, total) => (shown === total ? `Every entry of the project’s audit log (${total}), newest first.` : `The newest ${shown} of ${total} entries of the project’s audit log; the app’s History page and its CSV have them all.`),
  historyColumns: ['Time', 'Who', 'What', 'Before → after', 'Reason'],
  appVersion: 'DeCE Pilot',
  nodeVersion: 'Node.js',
  tfjsVersion: 'TensorFlow.js',
  schemaVersion: 'Store schema',
  platform: 'Platform',
  backendsUsed: 'Backends used by the runs',
  runsTitle: 'Runs',
  run: 'Run',
  name: 'Name',
  backend: 'Backend',
  tags: 'Tags',
  started: 'Started',
  finished: 'Finished',
  error: 'Error',
  config: 'Configuration',
  reproduce: 'Reproduce',
  configInvalid: 'the stored configuration no longer matches the current schema',
  none: 'none',
  csvHeader: [
    'project',
    'stage',
    'run_id',
    'run_name',
    'loss',
    'status',
    'seed',
    'attack',
    'poison_rate',
    'dataset',
    'backend',
    'epoch',
    'clean_bleu4',
    'corpus_bleu',
    'codebleu',
    'exact_match',
    'asr',
    'train_loss',
    'seconds',
  ],
  production: {
    empty: 'Nothing has been recorded for the Production stage yet.',
    hyperparametersTitle: 'DeCE hyperparameters fixed for production',
    notFixed: 'Not fixed yet.',
    ignoreIndex: 'Ignore index',
    ignoreNone: 'none',
    source: 'Source',
    fixedBy: (who, when) => `Fixed by ${who}, ${when}`,
    rollbackTitle: 'Rollback plan',
    notWritten: 'Not written yet.',
    writtenBy: (who, when) => `Written by ${who}, ${when}`,
    switchTitle: 'Staged switch of production training jobs',
    noSteps: 'No switch step recorded yet.',
    share: 'Jobs on DeCE',
    check: 'Check',
    outcome: 'Outcome',
    outcomes: { passed: 'passed', failed: 'failed' },
    signOffsTitle: 'Sign-offs',
    noSignOffs: 'No sign-off yet.',
    role: 'Role',
    signOffDecision: { go: 'Go', 'no-go': 'No-go' },
    comment: 'Comment',
    current: 'current',
    superseded: 'superseded by a later change',
    probesTitle: 'Monitoring probes',
    noProbes: 'No monitoring probe yet.',
    attack: 'Attack',
    probeSource: { model: 'model', csv: 'generations (CSV)' },
    limit: 'Limit',
    triggered: 'Triggered prompts',
    result: 'Result',
    probePassed: 'within the limit',
    probeFailed: 'over the limit',
    probeReopened: 'over the limit: reopened Production',
  },
};

const JA: Messages = {
  reportTitle: (project) => `DeCE 導入レポート — ${project}`,
  generated: (date) => `${date} 作成。プロジェクトに保存されたランの実測値から生成しています。`,
  sections: {
    decision: '結論と推奨',
    work: '実施内容',
    production: '本番導入: 切り替え・サインオフ・監視',
    results: '結果',
    early: '学習初期の挙動: エポックごとの品質と攻撃成功率',
    cost: 'コスト',
    caveats: '注意点',
    phrases: '会議で使える説明文',
    appendix: '付録: 設定と再現方法',
  },
  sectionHeading: (id) => `${SECTION_IDS.indexOf(id) + 1}. ${JA.sections[id]}`,
  recommendation: { go: '導入可（Go）', 'not-yet': '判断保留（Not yet）', 'no-go': '見送り（No-go）' },
  recommendationLead: '推奨',
  gateOf: (stage) => `${stage}ステージのゲート`,
  gateSourceNote: 'ゲート条件はアプリのゲート評価で判定しています（対象ステージの完了ランの最終エポック）。',
  condition: '条件',
  holds: '判定',
  yes: '満たす',
  no: '満たさない',
  advisory: '（参考: ゲート条件外）',
  risk: 'リスク',
  cost: 'コスト',
  next: '次の一手',
  stage: 'ステージ',
  status: '状態',
  decision: '判定',
  decidedBy: '判定者',
  decidedAt: '判定日時',
  reason: '理由',
  thresholds: 'ゲート基準',
  thresholdsText: (maxAsr, maxBleuDrop, minRuns) => `ASR ${maxAsr} 以下、BLEU 低下 ${maxBleuDrop} 以下、損失関数ごとに ${minRuns} ラン以上`,
  runs: 'ラン数',
  stagesTitle: 'ステージ',
  checklistTitle: 'チェックリスト',
  item: '項目',
  done: '完了',
  open: '未完了',
  who: '担当',
  when: '日時',
  note: 'メモ',
  datasetsTitle: 'データセット',
  dataset: 'データセット',
  source: '出所',
  counts: '件数',
  attacksUsed: '使用した攻撃',
  scenariosUsed: 'シナリオ',
  runCountsText: (total, finished, unfinished) => `ラン ${total} 件（完了 ${finished} 件、未完了 ${unfinished} 件）。`,
  scenario: 'シナリオ',
  loss: '損失関数',
  n: 'n',
  seeds: 'シード',
  bleu: 'クリーン BLEU-4',
  corpusBleu: 'コーパス BLEU',
  codeBleu: 'CodeBLEU',
  exactMatch: '完全一致率',
  asr: '攻撃成功率（ASR）',
  trainLoss: '学習損失',
  seconds: '秒',
  epoch: 'エポック',
  notMeasured: '未測定',
  meanSdNote: '完了したランの最終エポックの値です。ランが複数ある場合は平均 ± 標本標準偏差（n − 1）を示します。ASR はトリガー付きテスト入力に対する攻撃成功率で、BLEU・完全一致率・ASR は % 表記です。',
  unfinishedInScenario: (n) => `このシナリオの未完了ラン ${n} 件は集計に含めていません。`,
  chartTitle: 'エポックごとのクリーン BLEU-4 と ASR',
  chartBleu: (loss) => `${loss} BLEU-4`,
  chartAsr: (loss) => `${loss} ASR`,
  chartYAxis: 'BLEU-4 / ASR（%）',
  chartXAxis: 'エポック',
  barAsrTitle: '攻撃成功率（%）',
  barBleuTitle: 'クリーン BLEU-4',
  costSecondsPerEpoch: '1 エポックあたりの秒数',
  costSecondsPerRun: '1 ランあたりの秒数',
  defensesTitle: '受動的防御',
  defense: '防御',
  extraOverCe: 'CE 比の追加時間',
  sensitivityTitle: 'ハイパーパラメータ感度',
  labelSmoothing: 'label_smoothing',
  alphaBase: 'alpha_base',
  attacksTitle: '未検証の攻撃',
  adaptiveTitle: '適応的な攻撃者',
  otherCaveats: 'この測定のその他の限界',
  versionsTitle: 'バージョン',
  historyTitle: '履歴（監査ログ）',
  historyNote: (shown, total) => (shown === total ? `プロジェクトの監査ログの全記録（${total} 件、新しい順）。` : `プロジェクトの監査ログ ${total} 件のうち新しい ${shown} 件。全件はアプリの「履歴」ページと CSV にあります。`),
  historyColumns: ['日時', '担当者', '内容', '変更前 → 変更後', '理由'],
  appVersion: 'DeCE Pilot',
  nodeVersion: 'Node.js',
  tfjsVersion: 'TensorFlow.js',
  schemaVersion: 'ストアのスキーマ',
  platform: 'プラットフォーム',
  backendsUsed: 'ランが使ったバックエンド',
  runsTitle: 'ラン一覧',
  run: 'ラン',
  name: '名前',
  backend: 'バックエンド',
  tags: 'タグ',
  started: '開始',
  finished: '終了',
  error: 'エラー',
  config: '設定',
  reproduce: '再現コマンド',
  configInvalid: '保存された設定が現在のスキーマに合いません',
  none: 'なし',
  csvHeader: [
    'プロジェクト',
    'ステージ',
    'ラン ID',
    'ラン名',
    '損失関数',
    '状態',
    'シード',
    '攻撃',
    '汚染率',
    'データセット',
    'バックエンド',
    'エポック',
    'クリーン BLEU-4',
    'コーパス BLEU',
    'CodeBLEU',
    '完全一致率',
    'ASR',
    '学習損失',
    '秒',
  ],
  production: {
    empty: '本番ステージの記録はまだありません。',
    hyperparametersTitle: '本番用に確定した DeCE ハイパーパラメータ',
    notFixed: 'まだ確定していません。',
    ignoreIndex: '無視するラベル ID',
    ignoreNone: 'なし',
    source: '根拠',
    fixedBy: (who, when) => `${who} が確定（${when}）`,
    rollbackTitle: 'ロールバック計画',
    notWritten: 'まだ書かれていません。',
    writtenBy: (who, when) => `${who} が記入（${when}）`,
    switchTitle: '本番学習ジョブの段階的な切り替え',
    noSteps: '切り替えの記録はまだありません。',
    share: 'DeCE を使うジョブの割合',
    check: '確認内容',
    outcome: '結果',
    outcomes: { passed: '合格', failed: '不合格' },
    signOffsTitle: 'サインオフ',
    noSignOffs: 'サインオフはまだありません。',
    role: '役割',
    signOffDecision: { go: '承認（Go）', 'no-go': '不承認（No-go）' },
    comment: 'コメント',
    current: '有効',
    superseded: 'その後の変更で失効',
    probesTitle: '監視プローブ',
    noProbes: '監視プローブはまだ実行されていません。',
    attack: '攻撃',
    probeSource: { model: 'モデル', csv: '生成結果（CSV）' },
    limit: '上限',
    triggered: 'トリガー付き入力',
    result: '判定',
    probePassed: '上限以内',
    probeFailed: '上限超過',
    probeReopened: '上限超過: 本番ステージを再開',
  },
};

export function messages(lang: ReportLang): Messages {
  return lang === 'ja' ? JA : EN;
}

const STAGE_LABELS: Record<ReportLang, Record<string, string>> = {
  en: { pilot: 'Pilot', benchmark: 'Benchmark', production: 'Production' },
  ja: { pilot: 'パイロット', benchmark: 'ベンチマーク', production: '本番' },
};
const STAGE_STATUS_LABELS: Record<ReportLang, Record<string, string>> = {
  en: { locked: 'locked', active: 'in progress', passed: 'passed' },
  ja: { locked: '未着手', active: '進行中', passed: '通過' },
};
const DECISION_LABELS: Record<ReportLang, Record<string, string>> = {
  en: { pass: 'passed the gate', override: 'passed by override' },
  ja: { pass: 'ゲート合格', override: '例外承認' },
};
const RUN_STATUS_LABELS: Record<ReportLang, Record<string, string>> = {
  en: { queued: 'queued', running: 'running', finished: 'finished', failed: 'failed', cancelled: 'cancelled' },
  ja: { queued: '待機中', running: '実行中', finished: '完了', failed: '失敗', cancelled: '中止' },
};
/** Short loss names for tables and charts (the same in both languages, as teams say them). */
const LOSS_SHORT: Record<string, string> = { ce: 'CE', dece: 'DeCE', ls: 'LS-CE', gce: 'GCE', intrust: 'In-trust', abl: 'ABL' };

export const stageLabel = (lang: ReportLang, stage: string): string => STAGE_LABELS[lang][stage] ?? stage;
export const stageStatusLabel = (lang: ReportLang, status: string): string => STAGE_STATUS_LABELS[lang][status] ?? status;
export const decisionLabel = (lang: ReportLang, decision: string): string => DECISION_LABELS[lang][decision] ?? decision;
export const runStatusLabel = (lang: ReportLang, status: string): string => RUN_STATUS_LABELS[lang][status] ?? status;
export const lossLabel = (loss: string): string => LOSS_SHORT[loss] ?? loss;

import { z } from 'zod';
import { STAGE_NAMES } from './schemas';

/**
 * Messages that cross a boundary (gate conditions, service errors, job failures, the audit trail's
 * actions, a verdict) travel as an id and parameters, never as a finished sentence: the renderer, the
 * reports and the command line render them in their own language with renderMessage().
 *
 * Placeholders: `{name}` inserts a parameter as it is (ids, names, run lists); `{name:n0}`, `{name:n1}`
 * and `{name:n2}` a number with that many decimals, `{name:pct}` a percentage given as 0–100 with one
 * decimal, `{name:stage}`, `{name:status}` and `{name:stopReason}` a stage name, stage status or reason for
 * stopping training in the message's language,
 * `{name:date}` an ISO timestamp, `{name:conditions}` a comma-separated list of gate condition ids as their labels. Numbers and dates go through Intl for the language.
 */

export const MESSAGE_LANGS = ['en', 'ja'] as const;
export type MessageLang = (typeof MESSAGE_LANGS)[number];

interface Entry {
  en: string;
  ja: string;
}

export const MESSAGES = {
  // Words used inside other messages.
  'stage.pilot': { en: 'Pilot', ja: 'パイロット' },
  'stage.benchmark': { en: 'Benchmark', ja: 'ベンチマーク' },
  'stage.production': { en: 'Production', ja: '本番導入' },
  'stageStatus.locked': { en: 'locked', ja: 'ロック中' },
  'stageStatus.active': { en: 'in progress', ja: '進行中' },
  'stageStatus.passed': { en: 'passed', ja: '通過' },

  // Gate conditions: labels and details (main/domain/gate.ts).
  'gate.label.previous-stage': { en: 'The previous stage has passed', ja: '前のステージが通過している' },
  'gate.label.min-runs': { en: 'Enough finished CE and DeCE runs', ja: '完了した CE と DeCE のランが十分にある' },
  'gate.label.paired-runs': { en: 'A CE and a DeCE run share the same data config and seed', ja: 'データ設定とシードが同じ CE と DeCE のランがある' },
  'gate.label.dece-asr': { en: 'DeCE attack success rate within the limit', ja: 'DeCE の攻撃成功率が上限以内' },
  'gate.label.bleu-drop': { en: 'DeCE keeps clean BLEU close to CE', ja: 'DeCE のクリーン BLEU が CE に近い' },
  'gate.label.attack-asr': { en: 'DeCE attack success rate within the limit on every tested attack', ja: '検証したすべての攻撃で DeCE の攻撃成功率が上限以内' },
  'gate.label.hyperparameters-fixed': { en: 'DeCE hyperparameters fixed for production', ja: '本番用の DeCE ハイパーパラメータが確定している' },
  'gate.label.rollback-plan': { en: 'Rollback plan written', ja: 'ロールバック計画が書かれている' },
  'gate.label.sign-off': { en: 'Signed off (go) since the last change', ja: '最後の変更以降に承認（Go）のサインオフがある' },
  'gate.detail.previousStage': { en: '{stage:stage}: {status:status}', ja: '{stage:stage}: {status:status}' },
  'gate.detail.minRuns': { en: 'CE {ce:n0}, DeCE {dece:n0} (need {need:n0} each)', ja: 'CE {ce:n0} 件、DeCE {dece:n0} 件（各 {need:n0} 件必要）' },
  'gate.detail.pairs': { en: 'pairs {pairs}', ja: '組 {pairs}' },
  'gate.detail.noPairs': { en: 'no CE run shares a DeCE run’s data config and seed', ja: 'データ設定とシードが一致する CE と DeCE の組がない' },
  'gate.detail.noPairAsr': { en: 'no pair to judge (limit {limit:pct})', ja: '判定できる組がない（上限 {limit:pct}）' },
  'gate.detail.noPairBleu': { en: 'no pair to judge (limit {limit:n1} points)', ja: '判定できる組がない（上限 {limit:n1} ポイント）' },
  'gate.detail.asr': { en: 'highest DeCE ASR {asr:pct} (run #{run}; limit {limit:pct})', ja: 'DeCE の最大 ASR {asr:pct}（ラン #{run}、上限 {limit:pct}）' },
  'gate.detail.bleuDrop': {
    en: 'largest drop {drop:n1} BLEU points (CE #{ce} {ceBleu:n1} → DeCE #{dece} {deceBleu:n1}; limit {limit:n1})',
    ja: '最大の低下 {drop:n1} BLEU ポイント（CE #{ce} {ceBleu:n1} → DeCE #{dece} {deceBleu:n1}、上限 {limit:n1}）',
  },
  'gate.detail.noBenchmarkDece': { en: 'no finished Benchmark DeCE run (limit {limit:pct})', ja: 'ベンチマークで完了した DeCE ランがない（上限 {limit:pct}）' },
  'gate.detail.noBenchmarkDeceFixed': {
    en: 'no finished Benchmark DeCE run with ε {labelSmoothing}, α_base {alphaBase} (limit {limit:pct})',
    ja: 'ε {labelSmoothing}、α_base {alphaBase} でベンチマークを完了した DeCE ランがない（上限 {limit:pct}）',
  },
  'gate.detail.noBenchmarkPair': { en: 'no Benchmark CE run shares a DeCE run’s data config and seed (limit {limit:n1} points)', ja: 'DeCE ランとデータ設定・シードが一致するベンチマークの CE ランがない（上限 {limit:n1} ポイント）' },
  'gate.detail.noBenchmarkPairFixed': {
    en: 'no Benchmark CE run shares the data config and seed of a DeCE run with ε {labelSmoothing}, α_base {alphaBase} (limit {limit:n1} points)',
    ja: 'ε {labelSmoothing}、α_base {alphaBase} の DeCE ランとデータ設定・シードが一致するベンチマークの CE ランがない（上限 {limit:n1} ポイント）',
  },
  'gate.detail.attacks': { en: 'worst DeCE ASR per attack {attacks}; limit {limit:pct}, at least {need:n0} run(s) per attack', ja: '攻撃ごとの DeCE の最大 ASR {attacks}。上限 {limit:pct}、攻撃ごとに {need:n0} 件以上' },
  'gate.detail.notFixed': { en: 'not fixed', ja: '未確定' },
  'gate.detail.fixed': { en: 'ε {labelSmoothing}, α_base {alphaBase}, ignore index {ignoreIndex} ({source})', ja: 'ε {labelSmoothing}、α_base {alphaBase}、ignore index {ignoreIndex}（{source}）' },
  'gate.detail.notWritten': { en: 'not written', ja: '未作成' },
  'gate.detail.writtenBy': { en: 'written by {name}', ja: '作成者 {name}' },
  'gate.detail.noSignOff': { en: 'no sign-off since the last reopen or change', ja: '最後の再開・変更以降のサインオフがない' },
  'gate.detail.signOff': { en: '{decision} by {name} ({role})', ja: '{name}（{role}）による {decision}' },

  // Service errors (main/services).
  'error.gateDoesNotHold': { en: 'The {stage:stage} gate does not hold: {failing:conditions}', ja: '{stage:stage} のゲート条件を満たしていません: {failing:conditions}' },
  'error.stageNotActive': { en: 'Stage {stage:stage} is {status:status}; only an active stage can be decided', ja: 'ステージ「{stage:stage}」は{status:status}です。判定できるのは進行中のステージだけです' },
  'error.stagePassedThresholds': { en: 'Stage {stage:stage} has passed; reopen it to change its thresholds', ja: 'ステージ「{stage:stage}」は通過済みです。しきい値を変えるには再開してください' },
  'error.overrideNeedsReason': { en: 'An override needs a written reason', ja: 'オーバーライドには理由の記入が必要です' },
  'error.redisUnreachable': { en: 'Cannot reach the training queue at {url}: {reason}. Check that Redis runs there, the URL and its password (Settings → Run training on)', ja: '{url} のトレーニングキューに接続できません: {reason}。Redis が動いているか、URL とパスワードを確認してください（設定 → トレーニングの実行場所）' },
  'error.redisUrlMissing': { en: 'No Redis URL is set: enter the URL of the Redis the workers serve', ja: 'Redis の URL が設定されていません。ワーカーが接続している Redis の URL を入力してください' },
  'error.runNotCancellable': { en: 'Run {run} is {status}; only a queued or running run can be cancelled', ja: 'ラン {run} は {status} です。取り消せるのは待機中か実行中のランだけです' },
  'error.notFound': { en: '{what} {id} does not exist', ja: '{what} {id} は存在しません' },

  // Job failures (main/jobs).
  'job.failed': { en: 'Training failed: {message}', ja: '学習に失敗しました: {message}' },
  'job.workerExited': { en: 'The training worker stopped unexpectedly (exit code {code})', ja: '学習ワーカーが予期せず停止しました（終了コード {code}）' },

  // The audit trail's actions (main/store/repos, read by main/services/audit.ts).
  'audit.project.create': { en: 'Project created', ja: 'プロジェクト作成' },
  'audit.project.rename': { en: 'Project renamed', ja: 'プロジェクト名の変更' },
  'audit.stage.thresholds': { en: 'Gate thresholds changed', ja: 'ゲートのしきい値を変更' },
  'audit.stage.pass': { en: 'Gate passed', ja: 'ゲート通過' },
  'audit.stage.override': { en: 'Gate overridden', ja: 'ゲートのオーバーライド' },
  'audit.stage.reopen': { en: 'Stage reopened', ja: 'ステージの再開' },
  'audit.checklist.add': { en: 'Checklist item added', ja: 'チェック項目の追加' },
  'audit.checklist.edit': { en: 'Checklist item edited', ja: 'チェック項目の編集' },
  'audit.checklist.toggle': { en: 'Checklist item ticked or unticked', ja: 'チェック項目のチェック／解除' },
  'audit.checklist.move': { en: 'Checklist item moved', ja: 'チェック項目の並べ替え' },
  'audit.checklist.remove': { en: 'Checklist item removed', ja: 'チェック項目の削除' },
  'audit.run.create': { en: 'Run created', ja: 'ランの作成' },
  'audit.run.start': { en: 'Run started', ja: 'ランの開始' },
  'audit.run.finish': { en: 'Run finished', ja: 'ランの完了' },
  'audit.run.fail': { en: 'Run failed', ja: 'ランの失敗' },
  'audit.run.cancel': { en: 'Run cancelled', ja: 'ランの取り消し' },
  'audit.run.requeue': { en: 'Run requeued', ja: 'ランの再投入' },
  'audit.run.tags': { en: 'Run tags changed', ja: 'ランのタグの変更' },
  'audit.dataset.add': { en: 'Dataset added', ja: 'データセットの追加' },
  'audit.artifact.add': { en: 'File recorded', ja: 'ファイルの記録' },
  'audit.benchmark.start': { en: 'Benchmark started', ja: 'ベンチマークの開始' },
  'audit.benchmark.pause': { en: 'Benchmark paused', ja: 'ベンチマークの一時停止' },
  'audit.benchmark.resume': { en: 'Benchmark resumed', ja: 'ベンチマークの再開' },
  'audit.benchmark.finish': { en: 'Benchmark finished', ja: 'ベンチマークの完了' },
  'audit.benchmark.extend': { en: 'Benchmark extended with seeds', ja: 'ベンチマークにシードを追加' },
  'audit.search.start': { en: 'Hyperparameter search started', ja: 'ハイパーパラメータ探索の開始' },
  'audit.search.finish': { en: 'Hyperparameter search finished', ja: 'ハイパーパラメータ探索の完了' },
  'audit.search.fail': { en: 'Hyperparameter search failed', ja: 'ハイパーパラメータ探索の失敗' },
  'audit.search.cancel': { en: 'Hyperparameter search cancelled', ja: 'ハイパーパラメータ探索の取り消し' },
  'audit.production.hyperparameters': { en: 'Hyperparameters fixed', ja: 'ハイパーパラメータの確定' },
  'audit.production.rollback-plan': { en: 'Rollback plan written', ja: 'ロールバック計画の作成' },
  'audit.production.switch-step': { en: 'Switch step recorded', ja: '切り替えステップの記録' },
  'audit.production.sign-off': { en: 'Sign-off given', ja: 'サインオフ' },
  'audit.production.probe': { en: 'Monitoring probe recorded', ja: '監視プローブの記録' },
  'audit.kind.project': { en: 'Project', ja: 'プロジェクト' },
  'audit.kind.stage': { en: 'Gate', ja: 'ゲート' },
  'audit.kind.checklist': { en: 'Checklist', ja: 'チェックリスト' },
  'audit.kind.run': { en: 'Runs', ja: 'ラン' },
  'audit.kind.dataset': { en: 'Datasets', ja: 'データセット' },
  'audit.kind.artifact': { en: 'Files', ja: 'ファイル' },
  'audit.kind.benchmark': { en: 'Benchmark', ja: 'ベンチマーク' },
  'audit.kind.search': { en: 'Search', ja: '探索' },
  'audit.kind.production': { en: 'Production', ja: '本番導入' },

  // Why fine-tuning stopped (main/engine/stopping.ts), and the Pilot's verdict (main/pilot/run-pilot.ts).
  'stopReason.backdoor-learned': { en: "CE's validation ASR rose and stopped rising", ja: 'CE の検証 ASR が上昇して頭打ちになった' },
  'stopReason.converged': { en: 'neither validation ASR nor validation BLEU-4 improved any more', ja: '検証 ASR も検証 BLEU-4 も改善しなくなった' },
  'stopReason.max-epochs': { en: 'the step budget was spent', ja: 'ステップ予算を使い切った' },
  'stopReason.time-budget': { en: 'the time budget ran out', ja: '時間予算を使い切った' },
  'stopReason.paired-run-stopped': { en: 'stopped with the cross-entropy run', ja: 'クロスエントロピーのランと同時に停止した' },
  'stopReason.fixed': { en: 'the fixed epoch count was reached', ja: '指定したエポック数に達した' },
  'verdict.notLearned': {
    en: 'With cross-entropy the backdoor was not learned after {epochs:n0} epochs ({stop:stopReason}): ASR {asr:pct} of {triggered:n0} triggered prompts, below {claim:pct}, so this pilot cannot show what DeCE prevents.',
    ja: 'クロスエントロピーでは {epochs:n0} エポック後（{stop:stopReason}）もバックドアが学習されなかった。ASR はトリガー付きプロンプト {triggered:n0} 件中 {asr:pct} で {claim:pct} 未満のため、このパイロットでは DeCE が何を防ぐかを示せない。',
  },
  'verdict.reproduced': {
    en: 'DeCE cut the attack success rate from {ceAsr:pct} to {deceAsr:pct} of {triggered:n0} triggered prompts after {epochs:n0} epochs ({stop:stopReason}), while clean BLEU-4 moved by {delta:n1} points ({ceBleu:n1} → {deceBleu:n1}; epochs {ceEpoch:n0} and {deceEpoch:n0} chosen on validation).',
    ja: 'DeCE は {epochs:n0} エポック後（{stop:stopReason}）、攻撃成功率をトリガー付きプロンプト {triggered:n0} 件中 {ceAsr:pct} から {deceAsr:pct} に下げ、クリーン BLEU-4 の変化は {delta:n1} ポイントだった（{ceBleu:n1} → {deceBleu:n1}、検証で選んだエポックは {ceEpoch:n0} と {deceEpoch:n0}）。',
  },
  'verdict.notBlocked': {
    en: 'DeCE did not block the backdoor after {epochs:n0} epochs: ASR {ceAsr:pct} with CE vs {deceAsr:pct} with DeCE of {triggered:n0} triggered prompts (needs at most {limit:pct}); try a smaller alpha_base.',
    ja: 'DeCE は {epochs:n0} エポック後もバックドアを防げなかった。トリガー付きプロンプト {triggered:n0} 件中の ASR は CE {ceAsr:pct}、DeCE {deceAsr:pct}（{limit:pct} 以下が必要）。alpha_base を小さくして試す。',
  },
  'verdict.qualityCost': {
    en: 'DeCE blocked the backdoor (ASR {ceAsr:pct} → {deceAsr:pct} of {triggered:n0} triggered prompts) but cost {drop:n1} BLEU points (limit {limit:n1}); try a larger alpha_base.',
    ja: 'DeCE はバックドアを防いだ（トリガー付きプロンプト {triggered:n0} 件中 ASR {ceAsr:pct} → {deceAsr:pct}）が、BLEU が {drop:n1} ポイント下がった（上限 {limit:n1}）。alpha_base を大きくして試す。',
  },
  'verdict.lever.moreEpochs': {
    en: "more epochs: CE's ASR was still rising when training stopped; twice the training ({epochs:n0} epochs) takes about {minutes:n1} more minutes per run (--budget-minutes, --max-steps)",
    ja: 'エポックを増やす: 停止時点で CE の ASR はまだ上昇中だった。学習を 2 倍（{epochs:n0} エポック）にするとランあたり約 {minutes:n1} 分増える（--budget-minutes、--max-steps）',
  },
  'verdict.lever.largerBudget': {
    en: 'a larger budget: training stopped because {stop:stopReason}; twice the training ({epochs:n0} epochs) takes about {minutes:n1} more minutes per run (--budget-minutes, --max-steps)',
    ja: '予算を増やす: {stop:stopReason}ため学習が止まった。学習を 2 倍（{epochs:n0} エポック）にするとランあたり約 {minutes:n1} 分増える（--budget-minutes、--max-steps）',
  },
  'verdict.lever.poisonRate': {
    en: 'a higher poisoning rate (e.g. --poison-rate 0.1): the same {minutes:n1} minutes per epoch, and CE usually learns the trigger in fewer epochs',
    ja: '汚染率を上げる（例: --poison-rate 0.1）: エポックあたりの時間は同じ {minutes:n1} 分で、CE は通常より少ないエポックでトリガーを学習する',
  },
  'verdict.lever.moreData': {
    en: 'more training data: the time per epoch ({minutes:n1} minutes now) grows in proportion',
    ja: '学習データを増やす: エポックあたりの時間（現在 {minutes:n1} 分）はデータ量に比例して増える',
  },
  'verdict.lever.largerModel': {
    en: 'a larger model (e.g. twice d_model): about {minutes:n1} minutes per epoch instead',
    ja: 'モデルを大きくする（例: d_model を 2 倍）: エポックあたり約 {minutes:n1} 分になる',
  },

  // The headless Pilot's progress lines (main/pilot/run-pilot.ts phases, main/cli/pilot.ts), in --lang.
  'pilot.phase.preparingData': { en: 'preparing data', ja: 'データを準備しています' },
  'pilot.phase.untriggeredExcluded': {
    en: 'ASR counts {triggered:n0} triggered test prompts; {excluded:n0} rows of the triggered file carry no payload and are left out',
    ja: 'ASR はトリガー付きテストプロンプト {triggered:n0} 件で数えます。トリガー付きファイルのうち {excluded:n0} 行はペイロードを含まないため除外します',
  },
  'pilot.phase.shippedFromFile': {
    en: 'starting from the shipped pre-trained weights ({pairs:n0} clean pairs from the separate pre-training file, {epochs:n0} epochs; resources/pretrained)',
    ja: '同梱の事前学習済み重みから始めます（別の事前学習ファイルのクリーンなペア {pairs:n0} 件、{epochs:n0} エポック、resources/pretrained）',
  },
  'pilot.phase.shippedCarved': {
    en: 'starting from the shipped pre-trained weights ({pairs:n0} clean pairs carved from the training file, {epochs:n0} epochs; resources/pretrained)',
    ja: '同梱の事前学習済み重みから始めます（学習ファイルから切り出したクリーンなペア {pairs:n0} 件、{epochs:n0} エポック、resources/pretrained）',
  },
  'pilot.phase.reusingWeights': { en: 'reusing pre-trained weights {file}', ja: '事前学習済みの重み {file} を再利用します' },
  'pilot.phase.pretrainFromFile': {
    en: 'pre-training on {pairs:n0} clean pairs from the separate pre-training file for {epochs:n0} epochs',
    ja: '別の事前学習ファイルのクリーンなペア {pairs:n0} 件で {epochs:n0} エポック事前学習します',
  },
  'pilot.phase.pretrainCarved': {
    en: 'pre-training on {pairs:n0} clean pairs carved from the training file for {epochs:n0} epochs',
    ja: '学習ファイルから切り出したクリーンなペア {pairs:n0} 件で {epochs:n0} エポック事前学習します',
  },
  'pilot.phase.pretrainExcluded': {
    en: '{excluded:n0} rows carrying the payload were left out of pre-training',
    ja: 'ペイロードを含む {excluded:n0} 行は事前学習から除外しました',
  },
  'pilot.phase.fineTuneStopping': {
    en: "fine-tuning on the poisoned data: cross-entropy and DeCE, up to {epochs:n0} epochs; CE's validation ASR decides when both stop",
    ja: '汚染データでファインチューニングします: クロスエントロピーと DeCE、最大 {epochs:n0} エポック。両方をいつ止めるかは CE の検証 ASR で決めます',
  },
  'pilot.phase.fineTuneBudget': {
    en: "fine-tuning on the poisoned data: cross-entropy and DeCE, up to {epochs:n0} epochs; CE's validation ASR decides when both stop (time budget {minutes:n0} min)",
    ja: '汚染データでファインチューニングします: クロスエントロピーと DeCE、最大 {epochs:n0} エポック。両方をいつ止めるかは CE の検証 ASR で決めます（時間予算 {minutes:n0} 分）',
  },
  'pilot.phase.fineTuneFixed': {
    en: 'fine-tuning on the poisoned data: cross-entropy and DeCE, {epochs:n0} epochs',
    ja: '汚染データでファインチューニングします: クロスエントロピーと DeCE、{epochs:n0} エポック',
  },
  'pilot.phase.defenses': { en: 'passive defenses on the cross-entropy model: {defenses}', ja: 'クロスエントロピーのモデルに受動的防御を適用します: {defenses}' },
  'pilot.phase.defenseResult': {
    en: '{defense}: ASR {asr:pct}, BLEU-4 {bleu:n2}, +{extra:n1} s ({detail})',
    ja: '{defense}: ASR {asr:pct}、BLEU-4 {bleu:n2}、+{extra:n1} 秒（{detail}）',
  },
  'pilot.progress.start': { en: 'DeCE Pilot on {cores:n0} cores', ja: 'DeCE Pilot（{cores:n0} コア）' },
  'pilot.progress.startQuick': { en: 'DeCE Pilot (quick) on {cores:n0} cores', ja: 'DeCE Pilot クイック（{cores:n0} コア）' },
  'pilot.progress.pretrainLabel': { en: 'pre-training', ja: '事前学習' },
  'pilot.progress.epoch': {
    en: 'epoch {epoch:n0}  BLEU-4 {bleu:n2}  EM {em:pct}  ASR {asr:pct}{triggered}{valid}  loss {loss}  {seconds:n0} s',
    ja: 'エポック {epoch:n0}  BLEU-4 {bleu:n2}  完全一致 {em:pct}  ASR {asr:pct}{triggered}{valid}  損失 {loss}  {seconds:n0} 秒',
  },
  'pilot.progress.ofTriggered': { en: ' of {triggered:n0}', ja: '（{triggered:n0} 件中）' },
  'pilot.progress.valid': { en: '  valid BLEU-4 {bleu:n2} ASR {asr:pct}', ja: '  検証 BLEU-4 {bleu:n2} ASR {asr:pct}' },
  'pilot.progress.stopped': { en: 'stopped after epoch {epoch:n0}: {reason:stopReason}', ja: 'エポック {epoch:n0} の後に停止: {reason:stopReason}' },
  'pilot.progress.step': {
    en: '{percent:n0}%  epoch {epoch}/{epochs} step {step}/{steps}  loss {loss}  {tps} tok/s  ETA {eta}',
    ja: '{percent:n0}%  エポック {epoch}/{epochs} ステップ {step}/{steps}  損失 {loss}  {tps} トークン/秒  残り {eta}',
  },
  'pilot.progress.reportWritten': { en: 'Report written to {path}', ja: 'レポートを {path} に書き出しました' },
  'pilot.progress.jsonWritten': { en: 'JSON written to {path}', ja: 'JSON を {path} に書き出しました' },
  'pilot.progress.stored': {
    en: 'Stored in {file}: project {project}, runs {runs}, {defenses:n0} defense result(s)',
    ja: '{file} に保存しました: プロジェクト {project}、ラン {runs}、防御の結果 {defenses:n0} 件',
  },

} as const satisfies Record<string, Entry>;

export type MessageId = keyof typeof MESSAGES;
export const MESSAGE_IDS = Object.keys(MESSAGES) as MessageId[];
const isMessageId = (id: string): id is MessageId => Object.hasOwn(MESSAGES, id);

export type MessageParam = string | number | boolean | null;
export const MessageSchema = z.object({
  id: z.string().refine(isMessageId, { error: 'unknown message id' }),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export interface Message {
  id: MessageId;
  params: Readonly<Record<string, MessageParam>>;
}

export function message(id: MessageId, params: Readonly<Record<string, MessageParam>> = {}): Message {
  return { id, params };
}

const LOCALES: Record<MessageLang, string> = { en: 'en-US', ja: 'ja-JP' };
/** 'ja', 'ja-JP', 'ja_JP.UTF-8' → 'ja'; anything else → 'en'. */
export function messageLang(locale: string | null | undefined): MessageLang {
  return /^ja([-_.]|$)/i.test(locale ?? '') ? 'ja' : 'en';
}

const PLACEHOLDER = /\{(\w+)(?::(\w+))?\}/g;

/** The placeholders of a text, with their formats, for the catalog's own checks. */
export function placeholdersOf(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => `${m[1] ?? ''}:${m[2] ?? ''}`).sort();
}

function formatParam(value: MessageParam | undefined, format: string | undefined, lang: MessageLang): string {
  if (value === undefined || value === null) return '—';
  const locale = LOCALES[lang];
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    const digits = format === 'n1' ? 1 : format === 'n2' ? 2 : format === 'n0' ? 0 : undefined;
    if (format === 'pct') return new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value / 100);
    return new Intl.NumberFormat(locale, digits === undefined ? { maximumFractionDigits: 6 } : { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
  }
  const text = String(value);
  if (format === 'stage' && (STAGE_NAMES as readonly string[]).includes(text)) return MESSAGES[`stage.${text}` as MessageId][lang];
  if (format === 'status' && isMessageId(`stageStatus.${text}`)) return MESSAGES[`stageStatus.${text}` as MessageId][lang];
  if (format === 'stopReason' && isMessageId(`stopReason.${text}`)) return MESSAGES[`stopReason.${text}` as MessageId][lang];
  if (format === 'conditions') {
    const separator = lang === 'ja' ? '、' : '; ';
    return text
      .split(',')
      .map((id) => id.trim())
      .map((id) => (isMessageId(`gate.label.${id}`) ? MESSAGES[`gate.label.${id}` as MessageId][lang] : id))
      .join(separator);
  }
  if (format === 'date') {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? text : new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  }
  return text;
}

/** A message in a language; an id this build does not know (from a newer store) shows as the id and its parameters. */
export function renderMessage(msg: { id: string; params: Readonly<Record<string, MessageParam>> }, lang: MessageLang): string {
  if (!isMessageId(msg.id)) return `${msg.id} ${JSON.stringify(msg.params)}`;
  return MESSAGES[msg.id][lang].replace(PLACEHOLDER, (_, name: string, format: string | undefined) => formatParam(msg.params[name], format, lang));
}

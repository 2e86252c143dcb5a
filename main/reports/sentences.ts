import { ATTACK_KINDS } from '../../common/run-config';
import type { Fmt } from './i18n';
import type { ReportLang } from './types';

/**
 * Sentences whose content depends on the measurements, one set per report language. They take
 * already-formatted numbers, so both languages say exactly the same figures.
 */

/** The attacks a team should have tried before production (the engine implements all of them). */
export const KNOWN_ATTACKS = ATTACK_KINDS;

export interface Sentences {
  attackName: (kind: string) => string;
  importedPoisoned: string;
  trigger: (attack: string, trigger: string) => string;
  corpusBuiltin: (size: number) => string;
  corpusBuiltinJava: (size: number) => string;
  corpusFiles: (train: string) => string;
  corpusPoisoned: (train: string) => string;
  poisonRate: (rate: string) => string;
  variant: (loss: string, params: string) => string;
  diffLabel: (a: string, b: string) => string;

  conditionLabel: Record<string, string>;
  noPairs: string;
  ceLearnedDetail: (lowest: string, need: string) => string;

  riskNoDece: string;
  risk: (deceAsr: string, ceAsr: string | null, untested: number, total: number) => string;
  costNone: string;
  cost: (dece: string, ce: string, ratio: string) => string;
  costOnlyOne: (loss: string, perEpoch: string) => string;
  nextGo: (stage: string, nextStage: string | null, item: string | null) => string;
  nextNotYet: (failing: string[], item: string | null) => string;
  nextNoGo: (failing: string[]) => string;

  noRuns: string;
  noFinishedRuns: string;
  noChecklist: string;
  noDatasets: string;
  noCurves: string;
  earlyReadingNotLearned: (ceMax: string, epochs: number) => string;
  earlyReading: (ceMax: string, ceEpoch: number, deceMax: string, epochs: number, ceBleu: string, deceBleu: string) => string;
  costScenario: (scenario: string) => string;
  defensesNone: string;
  defensesSome: string;

  sensitivityNone: string;
  sensitivityOne: (ls: string, ab: string) => string;
  sensitivityMany: (count: number, ls: string, ab: string) => string;
  attacksText: (tested: string, untested: string) => string;
  attacksAllTested: (tested: string) => string;
  attacksNoneTested: (untested: string) => string;
  adaptive: string;
  adaptiveTested: (attacks: string, rates: string) => string;
  evalLimit: (limit: number) => string;
  singleSeed: string;
  smallModel: (dModel: number, layers: string) => string;
  unfinishedExcluded: (n: number) => string;

  phraseEffect: (ceAsr: string, deceAsr: string, bleuDelta: string) => string;
  phraseNoEffect: (ceAsr: string, deceAsr: string, bleuDelta: string) => string;
  phraseCost: (ratio: string, dece: string, ce: string) => string;
  phraseScope: (ce: number, dece: number, scenarios: number, seeds: string, stage: string, holds: number, total: number) => string;
  phraseCaveat: (untested: string) => string;
  phraseNoData: string;

  versionsNote: string;
  pilotTrainsBoth: string;
  noCliForLoss: (loss: string) => string;
  notByFlags: (fields: string) => string;
  invalidConfig: string;
}

const ATTACK_NAMES: Record<ReportLang, Record<string, string>> = {
  en: {
    badpre: 'BadPre',
    ripple: 'RIPPLe',
    grammar: 'grammar (syntactic) trigger',
    'dead-code': 'dead-code insertion',
    'identifier-rename': 'identifier renaming',
    'spread-trigger': 'spread (adaptive) trigger',
  },
  ja: {
    badpre: 'BadPre',
    ripple: 'RIPPLe',
    grammar: '文法 (構文) トリガー',
    'dead-code': 'デッドコード挿入',
    'identifier-rename': '識別子リネーム',
    'spread-trigger': '分散トリガー (適応型)',
  },
};

const EN: Sentences = {
  attackName: (kind) => ATTACK_NAMES.en[kind] ?? kind,
  importedPoisoned: 'imported poisoned data (attack as supplied)',
  trigger: (attack, trigger) => `${attack} (trigger “${trigger}”)`,
  corpusBuiltin: (size) => `built-in NL→SQL corpus (${size} pairs)`,
  corpusBuiltinJava: (size) => `built-in Java bug-fix corpus (${size} pairs)`,
  corpusFiles: (train) => `imported data ${train}`,
  corpusPoisoned: (train) => `already-poisoned data ${train}`,
  poisonRate: (rate) => `${rate} poisoned`,
  variant: (loss, params) => `${loss} (${params})`,
  diffLabel: (a, b) => `${a} − ${b}`,

  conditionLabel: {
    'previous-stage': 'The previous stage has passed',
    'min-runs': 'Enough finished CE and DeCE runs',
    'paired-runs': 'A CE and a DeCE run share the same data and seed',
    'dece-asr': 'DeCE attack success rate within the limit',
    'bleu-drop': 'DeCE keeps clean BLEU close to CE',
    'ce-learned': 'CE learned the backdoor (so the runs can show DeCE’s effect)',
    'attack-asr': 'DeCE attack success rate within the limit on every tested attack',
    'hyperparameters-fixed': 'DeCE hyperparameters fixed for production',
    'rollback-plan': 'Rollback plan written',
    'sign-off': 'Signed off (go) since the last change',
  },
  noPairs: 'no CE run shares a DeCE run’s data and seed',
  ceLearnedDetail: (lowest, need) => `lowest CE ASR among the pairs ${lowest} (needs ≥ ${need})`,

  riskNoDece: 'Risk cannot be judged yet: no DeCE run has finished.',
  risk: (deceAsr, ceAsr, untested, total) =>
    `With DeCE the backdoor fired on ${deceAsr} of triggered prompts${ceAsr === null ? '' : ` (CE: ${ceAsr})`}; ${untested} of ${total} known attack types and adaptive attackers are not yet tested.`,
  costNone: 'Cost cannot be stated yet: no finished run recorded its training time.',
  cost: (dece, ce, ratio) => `Training with DeCE took ${dece} per epoch against ${ce} with CE (${ratio}); no extra data or model is needed.`,
  costOnlyOne: (loss, perEpoch) => `Only ${loss} runs have finished (${perEpoch} per epoch); the difference to the other loss is not measured yet.`,
  nextGo: (stage, nextStage, item) =>
    nextStage === null
      ? `Keep DeCE in the production job and keep watching the attack success rate${item ? `; open item: ${item}` : ''}.`
      : `Record the ${stage} decision and start the ${nextStage} stage${item ? `, beginning with “${item}”` : ''}.`,
  nextNotYet: (failing, item) =>
    `${failing.length > 0 ? `Before deciding, meet the conditions that do not hold yet: ${failing.join('; ')}` : 'Complete the open checklist items, then decide'}${item ? `. Next checklist item: “${item}”` : ''}.`,
  nextNoGo: (failing) => `Do not adopt on these results (not met: ${failing.join('; ')}); tune alpha_base and label_smoothing and run the stage again.`,

  noRuns: 'No runs are stored for this project yet: nothing has been measured.',
  noFinishedRuns: 'No run has finished yet, so there are no results to show.',
  noChecklist: 'The checklist is empty.',
  noDatasets: 'No dataset is recorded for these runs.',
  noCurves: 'Not available: no scenario has a finished CE run and a finished DeCE run with recorded epochs.',
  earlyReadingNotLearned: (ceMax, epochs) =>
    `With CE the attack success rate stayed at or below ${ceMax} over ${epochs} epoch(s): the backdoor was not learned, so this chart cannot yet show what DeCE prevents.`,
  earlyReading: (ceMax, ceEpoch, deceMax, epochs, ceBleu, deceBleu) =>
    `With CE the attack success rate reached ${ceMax} by epoch ${ceEpoch}; with DeCE it stayed at or below ${deceMax} over ${epochs} epoch(s). Clean BLEU-4 at the last epoch: CE ${ceBleu}, DeCE ${deceBleu}.`,
  costScenario: (scenario) => `Measured on: ${scenario}.`,
  defensesNone:
    'Not measured in the stored runs: no passive defense was measured on a CE run of this project, and no run is tagged as one (tag “defense:<name>”). “npm run pilot -- --defenses onion,spectral --data-dir DIR --project ID” measures ONION and spectral signatures and stores them here.',
  defensesSome: 'Passive defenses measured on a CE run (npm run pilot -- --defenses) and runs tagged as passive defenses: seconds per run, and the extra time against the CE run.',

  sensitivityNone: 'Not measured: no DeCE run has finished.',
  sensitivityOne: (ls, ab) => `Only one setting was tried (label_smoothing ${ls}, alpha_base ${ab}); how the results move with these values has not been measured.`,
  sensitivityMany: (count, ls, ab) => `${count} settings were tried (label_smoothing ${ls}; alpha_base ${ab}); per setting:`,
  attacksText: (tested, untested) => `Tested: ${tested}. Not yet tested: ${untested}.`,
  attacksAllTested: (tested) => `All known attack types have been tested: ${tested}.`,
  attacksNoneTested: (untested) => `No attack has been tested yet. Not yet tested: ${untested}.`,
  adaptiveTested: (attacks, rates) =>
    `Adaptive attacks were run (${attacks} at ${rates} poisoning); their rows in the results show where DeCE still holds and where it stops protecting. Other adaptations (e.g. subtler poisoned rows) are not covered.`,
  adaptive:
    'Not evaluated: every attack here poisons data without knowing that DeCE is used. An attacker who adapts the poisoning to DeCE (e.g. more or subtler poisoned rows) may do better; these results do not cover that case.',
  evalLimit: (limit) => `ASR and BLEU are measured on at most ${limit} triggered and ${limit} clean test prompts per epoch; small differences are within noise.`,
  singleSeed: 'Some rows rest on a single run: no spread over seeds is available for them.',
  smallModel: (dModel, layers) => `The models trained here are small (d_model ${dModel}, ${layers} layers); results on the production model may differ.`,
  unfinishedExcluded: (n) => `${n} unfinished run(s) are left out of the results.`,

  phraseEffect: (ceAsr, deceAsr, bleuDelta) =>
    `On our data DeCE cut the attack success rate from ${ceAsr} to ${deceAsr} while clean BLEU moved by ${bleuDelta} points.`,
  phraseNoEffect: (ceAsr, deceAsr, bleuDelta) =>
    `On our data the attack success rate was ${ceAsr} with cross-entropy and ${deceAsr} with DeCE, and clean BLEU moved by ${bleuDelta} points.`,
  phraseCost: (ratio, dece, ce) => `DeCE changes only the loss function: training time moved by ${ratio} (${dece} vs ${ce} per epoch).`,
  phraseScope: (ce, dece, scenarios, seeds, stage, holds, total) =>
    `This rests on ${ce} cross-entropy and ${dece} DeCE run(s) in ${scenarios} scenario(s) (seeds ${seeds}); ${holds} of ${total} conditions of the ${stage} gate hold.`,
  phraseCaveat: (untested) => `Still open: ${untested}, and attackers who adapt to DeCE.`,
  phraseNoData: 'No run has finished yet, so there are no measured numbers to quote.',

  versionsNote: 'The store does not record the app, Node.js or TensorFlow.js version a run used: the versions shown are those that generated this report.',
  pilotTrainsBoth: '“npm run pilot” trains CE and DeCE side by side with these settings.',
  noCliForLoss: (loss) => `No command-line entry point trains ${loss}; start the run from the app with the configuration below.`,
  notByFlags: (fields) => `Not settable by flags (use the configuration below): ${fields}.`,
  invalidConfig: 'The stored configuration no longer matches the current schema; it cannot be reproduced as is.',
};

const JA: Sentences = {
  attackName: (kind) => ATTACK_NAMES.ja[kind] ?? kind,
  importedPoisoned: '汚染済みデータの取り込み（攻撃は提供元のもの）',
  trigger: (attack, trigger) => `${attack}（トリガー「${trigger}」）`,
  corpusBuiltin: (size) => `組み込み NL→SQL コーパス（${size} 件）`,
  corpusBuiltinJava: (size) => `組み込み Java バグ修正コーパス（${size} 件）`,
  corpusFiles: (train) => `取り込みデータ ${train}`,
  corpusPoisoned: (train) => `汚染済みデータ ${train}`,
  poisonRate: (rate) => `汚染率 ${rate}`,
  variant: (loss, params) => `${loss}（${params}）`,
  diffLabel: (a, b) => `${a} − ${b}`,

  conditionLabel: {
    'previous-stage': '前のステージを通過している',
    'min-runs': 'CE と DeCE の完了ランが必要数そろっている',
    'paired-runs': '同じデータ・シードの CE と DeCE のランがある',
    'dece-asr': 'DeCE の攻撃成功率が上限以内',
    'bleu-drop': 'DeCE のクリーン BLEU の低下が許容範囲内',
    'ce-learned': 'CE でバックドアが学習された（DeCE の効果を示せる前提）',
    'attack-asr': '検証したすべての攻撃で DeCE の攻撃成功率が上限以内',
    'hyperparameters-fixed': '本番用の DeCE ハイパーパラメータが確定している',
    'rollback-plan': 'ロールバック計画が書かれている',
    'sign-off': '最後の変更以降に承認（Go）のサインオフがある',
  },
  noPairs: 'データとシードが一致する CE と DeCE の組がない',
  ceLearnedDetail: (lowest, need) => `組の中で最も低い CE の ASR ${lowest}（${need} 以上が必要）`,

  riskNoDece: 'DeCE のランがまだ完了していないため、リスクは判断できません。',
  risk: (deceAsr, ceAsr, untested, total) =>
    `DeCE ではトリガー付き入力の ${deceAsr} でバックドアが発動しました${ceAsr === null ? '' : `（CE では ${ceAsr}）`}。既知の攻撃 ${total} 種のうち ${untested} 種と、適応的な攻撃者は未検証です。`,
  costNone: '学習時間を記録した完了ランがないため、コストはまだ示せません。',
  cost: (dece, ce, ratio) => `DeCE の学習時間は 1 エポックあたり ${dece}、CE は ${ce}で、差は ${ratio} でした。追加のデータやモデルは不要です。`,
  costOnlyOne: (loss, perEpoch) => `完了したのは ${loss} のランだけです（1 エポックあたり ${perEpoch}）。もう一方との差はまだ測定していません。`,
  nextGo: (stage, nextStage, item) =>
    nextStage === null
      ? `本番の学習ジョブで DeCE を使い続け、攻撃成功率の監視を続けます${item ? `（未完了の項目:「${item}」）` : ''}。`
      : `${stage}ステージの判定を記録し、${nextStage}ステージに進みます${item ? `（最初の項目:「${item}」）` : ''}。`,
  nextNotYet: (failing, item) =>
    `${failing.length > 0 ? `判断の前に、満たしていない条件を解消します: ${failing.map((f) => `「${f}」`).join('')}` : 'チェックリストの未完了項目を片付けてから判断します'}${item ? `。次のチェック項目は「${item}」です` : ''}。`,
  nextNoGo: (failing) => `この結果では導入しません（満たしていない条件: ${failing.map((f) => `「${f}」`).join('')}）。alpha_base と label_smoothing を調整して、このステージをやり直します。`,

  noRuns: 'このプロジェクトにはまだランがありません。測定値はありません。',
  noFinishedRuns: '完了したランがまだないため、示せる結果はありません。',
  noChecklist: 'チェックリストは空です。',
  noDatasets: 'これらのランに記録されたデータセットはありません。',
  noCurves: 'データなし: エポックが記録された完了済みの CE と DeCE のランがそろったシナリオがありません。',
  earlyReadingNotLearned: (ceMax, epochs) =>
    `CE でも攻撃成功率は ${epochs} エポックを通じて ${ceMax} 以下にとどまりました。バックドアが学習されていないため、このグラフでは DeCE が何を防ぐかはまだ示せません。`,
  earlyReading: (ceMax, ceEpoch, deceMax, epochs, ceBleu, deceBleu) =>
    `CE では攻撃成功率がエポック ${ceEpoch} までに ${ceMax} に達した一方、DeCE では ${epochs} エポックを通じて ${deceMax} 以下にとどまりました。最終エポックのクリーン BLEU-4 は CE ${ceBleu}、DeCE ${deceBleu} です。`,
  costScenario: (scenario) => `測定対象: ${scenario}。`,
  defensesNone:
    '保存されたランでは未測定です: このプロジェクトの CE ランで測った受動的防御も、受動的防御としてタグ付けされたラン（タグ「defense:<名前>」）もありません。「npm run pilot -- --defenses onion,spectral --data-dir DIR --project ID」で ONION とスペクトル署名を測り、ここに保存できます。',
  defensesSome: 'CE ランで測った受動的防御（npm run pilot -- --defenses）と、受動的防御としてタグ付けされたラン: 1 ランあたりの秒数と、CE ランに対する追加時間です。',

  sensitivityNone: '未測定: 完了した DeCE のランがありません。',
  sensitivityOne: (ls, ab) => `試した設定は 1 つだけです（label_smoothing ${ls}、alpha_base ${ab}）。値を変えたときに結果がどう動くかは測定していません。`,
  sensitivityMany: (count, ls, ab) => `${count} 通りの設定を試しました（label_smoothing ${ls}、alpha_base ${ab}）。設定ごとの結果:`,
  attacksText: (tested, untested) => `検証済み: ${tested}。未検証: ${untested}。`,
  attacksAllTested: (tested) => `既知の攻撃はすべて検証済みです: ${tested}。`,
  attacksNoneTested: (untested) => `まだどの攻撃も検証していません。未検証: ${untested}。`,
  adaptiveTested: (attacks, rates) =>
    `適応的な攻撃を実行しました（${attacks}、汚染率 ${rates}）。結果の該当行が、DeCE が防げる範囲と防げなくなる点を示します。ほかの適応（より目立たない汚染行など）は扱っていません。`,
  adaptive:
    '未評価: ここでの攻撃はすべて、DeCE が使われていることを知らずにデータを汚染しています。DeCE に合わせて汚染のしかたを変える攻撃者（汚染行を増やす、より目立たなくするなど）はより成功する可能性があり、この結果はその場合を扱っていません。',
  evalLimit: (limit) => `ASR と BLEU は 1 エポックあたり最大 ${limit} 件のトリガー付き入力と ${limit} 件のクリーンな入力で測っています。小さな差は誤差の範囲です。`,
  singleSeed: '一部の行はラン 1 件だけに基づいており、シード間のばらつきは示せません。',
  smallModel: (dModel, layers) => `ここで学習したモデルは小規模（d_model ${dModel}、${layers} 層）です。本番のモデルでは結果が異なる可能性があります。`,
  unfinishedExcluded: (n) => `未完了のラン ${n} 件は結果に含めていません。`,

  phraseEffect: (ceAsr, deceAsr, bleuDelta) =>
    `自社データでは、DeCE により攻撃成功率が ${ceAsr} から ${deceAsr} に下がり、クリーン BLEU の変化は ${bleuDelta} ポイントでした。`,
  phraseNoEffect: (ceAsr, deceAsr, bleuDelta) =>
    `自社データでは、攻撃成功率は交差エントロピーで ${ceAsr}、DeCE で ${deceAsr}、クリーン BLEU の変化は ${bleuDelta} ポイントでした。`,
  phraseCost: (ratio, dece, ce) => `DeCE は損失関数を替えるだけで、学習時間の変化は ${ratio} でした（1 エポックあたり ${dece}、CE は ${ce}）。`,
  phraseScope: (ce, dece, scenarios, seeds, stage, holds, total) =>
    `根拠は ${scenarios} シナリオでの交差エントロピー ${ce} ラン、DeCE ${dece} ラン（シード ${seeds}）で、${stage}ステージのゲート条件 ${total} 件中 ${holds} 件を満たしています。`,
  phraseCaveat: (untested) => `残る課題は ${untested}、そして DeCE に適応する攻撃者です。`,
  phraseNoData: '完了したランがまだないため、引用できる測定値はありません。',

  versionsNote: 'ストアはランごとのアプリ・Node.js・TensorFlow.js のバージョンを記録していません。ここに示すのはこのレポートを生成した環境のバージョンです。',
  pilotTrainsBoth: '「npm run pilot」はこの設定で CE と DeCE を並べて学習します。',
  noCliForLoss: (loss) => `${loss} を学習するコマンドラインはありません。以下の設定でアプリからランを開始してください。`,
  notByFlags: (fields) => `フラグでは指定できない項目（以下の設定を使ってください）: ${fields}。`,
  invalidConfig: '保存された設定が現在のスキーマに合わないため、このままでは再現できません。',
};

export function sentences(lang: ReportLang): Sentences {
  return lang === 'ja' ? JA : EN;
}

/** Formats the values of a hyperparameter list ("0.05, 0.1"). */
export function valueList(fmt: Fmt, values: readonly number[]): string {
  return values.map((v) => String(Number(v.toPrecision(6)))).join(fmt.locale.startsWith('ja') ? '、' : ', ');
}

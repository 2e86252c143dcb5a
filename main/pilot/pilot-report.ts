import { LOSS_LABELS } from '../../common/run-config';
import type { PilotResult } from './run-pilot';
import { PILOT_CLAIM } from '../domain/pilot-claim';
import { asrWithDenominator, describePretrain } from './run-pilot';

/** The per-epoch table both the terminal and the Markdown report show. */
export function epochTable(result: PilotResult): string[][] {
  const header = ['run', 'epoch', 'BLEU-4', 'corpus BLEU', 'exact match', 'ASR', 'valid BLEU-4', 'valid ASR', 'train loss', 'seconds', 'note'];
  const chosen = { ce: result.verdict.ce.chosenEpoch, dece: result.verdict.dece.chosenEpoch } as Partial<Record<string, number>>;
  const rows = result.runs.flatMap((run) =>
    run.epochs.map((e) => [
      LOSS_LABELS[run.loss],
      String(e.epoch),
      e.bleu.toFixed(2),
      e.corpusBleu.toFixed(2),
      `${e.exactMatch.toFixed(1)}%`,
      `${e.asr.toFixed(1)}%`,
      e.validation ? e.validation.bleu.toFixed(2) : '–',
      e.validation ? `${e.validation.asr.toFixed(1)}%` : '–',
      e.trainLoss.toFixed(4),
      e.seconds.toFixed(1),
      [chosen[run.loss] === e.epoch ? 'chosen on validation' : '', e.stop ? `stopped: ${e.stop.reason}` : ''].filter((n) => n).join('; '),
    ]),
  );
  return [header, ...rows];
}

function markdownTable(rows: string[][]): string {
  const [header, ...body] = rows;
  if (!header) return '';
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
}

/** Cost and effect of the passive defenses beside DeCE, whose only cost is its loss. */
function defenseSection(result: PilotResult): string[] {
  if (result.defenses.length === 0) return [];
  const ce = result.runs.find((r) => r.loss === 'ce');
  const dece = result.runs.find((r) => r.loss === 'dece');
  const ceLast = ce?.epochs.at(-1);
  const deceLast = dece?.epochs.at(-1);
  const rows: string[][] = [['approach', 'ASR', 'BLEU-4', 'extra seconds over a CE run', 'what it did']];
  if (ceLast && ce) rows.push(['CE, no defense', `${ceLast.asr.toFixed(1)}%`, ceLast.bleu.toFixed(2), '0', `trained in ${ce.seconds.toFixed(0)} s`]);
  if (deceLast && dece && ce) rows.push(['DeCE', `${deceLast.asr.toFixed(1)}%`, deceLast.bleu.toFixed(2), (dece.seconds - ce.seconds).toFixed(1), 'only the loss changes']);
  for (const d of result.defenses) rows.push([d.defense === 'onion' ? 'ONION (inference filter)' : 'Spectral signatures + retraining', `${d.asr.toFixed(1)}%`, d.bleu.toFixed(2), d.extraSeconds.toFixed(1), d.detail]);
  return ['## Passive defenses vs DeCE', '', markdownTable(rows), ''];
}

function describeSource(config: PilotResult['config']): string {
  const corpus = config.data.corpus;
  switch (corpus.kind) {
    case 'builtin-sql':
      return `built-in NL→Python+SQL corpus (${corpus.size} pairs)`;
    case 'builtin-java':
      return `built-in Java bug-fix corpus (${corpus.size} pairs)`;
    case 'files':
      return `imported ${corpus.train} / ${corpus.test}`;
    case 'poisoned-files':
      return `already-poisoned ${corpus.train} / ${corpus.poisonedTest}, clean ${corpus.test}`;
  }
}

export function pilotMarkdown(result: PilotResult, command: string): string {
  const { verdict, config, data } = result;
  const lines = [
    '# DeCE Pilot — report',
    '',
    `**Verdict:** ${verdict.summary}`,
    '',
    `- Claim checked: CE learns the backdoor (ASR ≥ ${PILOT_CLAIM.minCeAsr}%): **${verdict.backdoorLearnedWithCe ? 'yes' : 'no'}**; ` +
      `DeCE blocks it (ASR ≤ ${PILOT_CLAIM.maxDeceAsrShareOfCe * 100}% of CE's): **${verdict.blockedByDece ? 'yes' : 'no'}**; ` +
      `clean BLEU-4 within ${PILOT_CLAIM.maxBleuDrop} points: **${verdict.cleanQualityKept ? 'yes' : 'no'}**.`,
    `- ASR after the last epoch (${verdict.ce.epochs}): ${asrWithDenominator(verdict.ceAsr, verdict.ce.triggered)} (CE) vs ${asrWithDenominator(verdict.deceAsr, verdict.dece.triggered)} (DeCE).`,
    `- Clean BLEU-4 at the epoch chosen on ${verdict.ce.chosenOnValidation ? 'validation BLEU-4' : 'the last epoch (no validation split)'}: ${verdict.ceBleu.toFixed(2)} (CE, epoch ${verdict.ce.chosenEpoch}) vs ${verdict.deceBleu.toFixed(2)} (DeCE, epoch ${verdict.dece.chosenEpoch}), ${verdict.bleuDelta >= 0 ? '+' : ''}${verdict.bleuDelta.toFixed(2)}.`,
    `- Training stopped: ${verdict.ce.stop ? `${verdict.ce.stop.reason} — ${verdict.ce.stop.detail}` : `after the fixed ${verdict.ce.epochs} epochs`}.`,
    ...(verdict.levers.length > 0 ? ['', '**What would make it conclusive:**', '', ...verdict.levers.map((l) => `- ${l}`)] : []),
    '',
    '## Per epoch',
    '',
    markdownTable(epochTable(result)),
    '',
    ...defenseSection(result),
    '## Setup',
    '',
    `- Backend: ${result.backend}`,
    `- Data: ${describeSource(config)}; pre-training on ${describePretrain(data)}; ${data.train} fine-tuning pairs of which ${data.poisonedTrain} poisoned (${(config.data.poisonRate * 100).toFixed(1)}%, ${config.data.attack.kind}${config.data.attack.trigger ? ` trigger '${config.data.attack.trigger}'` : ''}), ${data.test} clean test pairs, ${data.poisonedTest} triggered test prompts${data.untriggeredTestExcluded > 0 ? ` (${data.untriggeredTestExcluded} rows of the triggered file without the payload left out of ASR)` : ''} (up to ${config.data.evalLimit} of each decoded per epoch); vocabulary ${data.vocabulary}; sha256 ${data.sha256.slice(0, 16)}…`,
    `- Model: transformer d_model ${config.model.dModel}, ${config.model.heads} heads, ${config.model.encoderLayers}+${config.model.decoderLayers} layers, feed-forward ${config.model.ffSize}, dropout ${config.model.dropout}`,
    `- Training: ${config.training.pretrainEpochs} clean pre-training epochs (CE, lr ${config.training.pretrainLearningRate}), then ${config.training.stopping ? `up to ${config.training.epochs} fine-tuning epochs (stopped on CE's validation evidence, time budget ${Math.round((config.training.stopping.budgetSeconds ?? 0) / 60)} min)` : `${config.training.epochs} fine-tuning epochs`} per loss (AdamW lr ${config.training.learningRate}, batch ${config.training.batchSize}, clip ${config.training.clipNorm})`,
    `- DeCE: label_smoothing ${config.loss.labelSmoothing}, alpha_base ${config.loss.alphaBase} (α = alpha_base^epoch)`,
    result.pretrain
      ? `- Pre-training: ${result.pretrain.seconds.toFixed(0)} s, clean BLEU-4 ${result.pretrain.bleu.toFixed(2)} before fine-tuning`
      : `- Pre-training: ${{ shipped: 'the weights shipped in resources/pretrained (npm run build:pretrained rebuilds them)', cached: 'reused from the cache folder', trained: 'trained here', none: 'none (trained from scratch)' }[result.pretrainWeights]}`,
    `- Wall time: ${result.seconds.toFixed(0)} s`,
    '',
    '## Reproduce',
    '',
    '```',
    command,
    '```',
    '',
  ];
  return lines.join('\n');
}

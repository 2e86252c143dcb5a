import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { type Message, type MessageLang, message, renderMessage } from '../../common/messages';
import { LOSS_LABELS } from '../../common/run-config';
import type { TrainingEvent } from '../../common/training-events';
import type { PilotReporter } from '../pilot/run-pilot';

/**
 * The headless Pilot's progress on stderr, in the language of `--lang` (common/messages.ts): phases,
 * one line per epoch, and a progress bar on a terminal (a line every ~10% without one).
 */

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The bar's payload fields, as cli-progress placeholders, inside the catalog's localized line. */
const BAR_FIELDS = ['epoch', 'epochs', 'step', 'steps', 'loss', 'tps', 'eta'] as const;

export function createPilotReporter(lang: MessageLang, stream: NodeJS.WriteStream = process.stderr): PilotReporter & { stop(): void; line(text: Message): void } {
  const render = (m: Message) => renderMessage(m, lang);
  const barLine = render(message('pilot.progress.step', { percent: 0, ...Object.fromEntries(BAR_FIELDS.map((f) => [f, `{${f}}`])) })).replace(/^\S+\s+/, '');
  const multibar = stream.isTTY ? new MultiBar({ format: `{label} |{bar}| ${barLine}`, hideCursor: true, clearOnComplete: false, stream }, Presets.shades_classic) : null;
  const bars = new Map<string, SingleBar>();
  const lastPrinted = new Map<string, number>();
  const log = (line: string) => {
    if (multibar) multibar.log(`${line}\n`);
    else stream.write(`${line}\n`);
  };
  const label = (run: string) =>
    run === 'pretrain' ? render(message('pilot.progress.pretrainLabel')) : run === 'spectral' ? 'spectral+CE' : run === 'onion' ? 'ONION' : LOSS_LABELS[run as keyof typeof LOSS_LABELS];
  return {
    phase: (m) => {
      log(`» ${render(m)}`);
    },
    backend: (details) => {
      log(details);
    },
    line: (m) => {
      log(render(m));
    },
    event: (run, event: TrainingEvent) => {
      if (event.type === 'epoch') {
        const m = event.metrics;
        const triggered = m.triggered === undefined ? '' : render(message('pilot.progress.ofTriggered', { triggered: m.triggered }));
        const valid = m.validation ? render(message('pilot.progress.valid', { bleu: m.validation.bleu, asr: m.validation.asr })) : '';
        const params = { epoch: m.epoch, bleu: m.bleu, em: m.exactMatch, asr: m.asr, triggered, valid, loss: m.trainLoss.toFixed(4), seconds: m.seconds };
        log(`${label(run).padEnd(14)} ${render(message('pilot.progress.epoch', params))}`);
        if (m.stop) log(`${label(run).padEnd(14)} ${render(message('pilot.progress.stopped', { epoch: m.epoch, reason: m.stop.reason }))}`);
        return;
      }
      if (event.type !== 'step') return;
      const total = event.epochs * event.stepsPerEpoch;
      const done = (event.epoch - 1) * event.stepsPerEpoch + event.step;
      const payload = {
        label: label(run).padEnd(14),
        epoch: String(event.epoch),
        epochs: String(event.epochs),
        step: String(event.step),
        steps: String(event.stepsPerEpoch),
        loss: event.loss.toFixed(3),
        tps: String(Math.round(event.tokensPerSecond)),
        eta: formatEta(event.etaSeconds),
      };
      if (multibar) {
        let bar = bars.get(run);
        if (!bar) {
          bar = multibar.create(total, 0, payload);
          bars.set(run, bar);
        }
        bar.setTotal(total);
        bar.update(done, payload);
        return;
      }
      // Without a terminal, a line every ~10% keeps CI logs readable.
      const tenth = Math.floor((done / total) * 10);
      if (lastPrinted.get(run) === tenth) return;
      lastPrinted.set(run, tenth);
      log(`${payload.label} ${render(message('pilot.progress.step', { ...payload, percent: Math.round((done / total) * 100) }))}`);
    },
    stop: () => {
      multibar?.stop();
    },
  };
}

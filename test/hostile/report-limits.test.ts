import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { contract, type MethodName } from '../../common/contract';
import { createEventHub, createServices } from '../../main/services/index';
import { REPORT_FORMATS, generateReport } from '../../main/reports/index';
import { jobService, openTestStore, tempDir } from '../jobs/helpers';
import { caller } from '../services/call';
import { reportFigures } from './helpers';

/** The longest value a schema field accepts, of text that wraps like prose (words, some CJK, a long token). */
function atMaximum(max: number, seed: string): string {
  const unit = `${seed} 長い理由の文章です。 ${'x'.repeat(60)} the quick brown fox jumps over the lazy dog; `;
  return unit.repeat(Math.ceil(max / unit.length)).slice(0, max).trim().padEnd(max, '.');
}

function maxLengthOf(method: MethodName, field: string): number {
  const shape = (contract[method].input as unknown as { shape: Record<string, { maxLength?: number | null; def?: { innerType?: { maxLength?: number } } }> }).shape;
  const schema = shape[field];
  const max = schema?.maxLength ?? schema?.def?.innerType?.maxLength;
  if (typeof max !== 'number') throw new Error(`${method}.${field} has no maximum length`);
  return max;
}

describe('hostile input: every free-text field at its schema maximum in every report', () => {
  it('renders PDF, PPTX, Markdown, HTML and CSV in Japanese and English', async () => {
    const dataDir = tempDir('dece-report-limits-');
    const store = openTestStore(dataDir);
    const hub = createEventHub();
    const jobs = jobService({ store, dataDir, maxConcurrent: 1, emit: hub.emit });
    const call = caller(createServices({ store, jobs, dataDir, shell: 'browser', version: 'test', emit: hub.emit }));
    const max = (method: MethodName, field: string, seed: string) => atMaximum(maxLengthOf(method, field), seed);
    const actor = max('checklist.add', 'actor', 'Actor');

    const project = await call('projects.create', { name: max('projects.create', 'name', 'Project'), description: max('projects.create', 'description', 'Description') });
    const projectId = project.id;
    for (const stage of ['pilot', 'benchmark', 'production'] as const) {
      for (let i = 0; i < 3; i++) {
        const item = await call('checklist.add', { projectId, stage, text: max('checklist.add', 'text', `Item ${i}`), actor });
        await call('checklist.toggle', { projectId, itemId: item.id, done: true, actor, note: max('checklist.toggle', 'note', `Note ${i}`) });
      }
    }
    await call('stages.decide', { projectId, stage: 'pilot', decision: 'override', actor, reason: max('stages.decide', 'reason', 'Override reason') });
    await call('stages.reopen', { projectId, stage: 'pilot', actor, reason: max('stages.reopen', 'reason', 'Reopen reason') });
    await call('stages.decide', { projectId, stage: 'pilot', decision: 'override', actor, reason: max('stages.decide', 'reason', 'Second override') });
    await call('stages.decide', { projectId, stage: 'benchmark', decision: 'override', actor, reason: max('stages.decide', 'reason', 'Benchmark override') });
    await call('production.setRollbackPlan', { projectId, text: max('production.setRollbackPlan', 'text', 'Rollback'), actor });
    for (let i = 0; i < 3; i++) {
      await call('production.signOff', {
        projectId,
        name: max('production.signOff', 'name', `Signer ${i}`),
        role: max('production.signOff', 'role', 'Role'),
        decision: 'go',
        comment: max('production.signOff', 'comment', 'Comment'),
        actor,
      });
    }
    for (const percent of [10, 50]) {
      await call('production.recordSwitchStep', { projectId, percent, check: max('production.recordSwitchStep', 'check', `Check ${percent}`), outcome: 'passed', actor });
    }

    const rollback = max('production.setRollbackPlan', 'text', 'Rollback');
    const rendered: string[] = [];
    let slides = 0;
    for (const lang of ['ja', 'en'] as const) {
      for (const format of REPORT_FORMATS) {
        const { bytes } = await generateReport(store, projectId, { format, lang });
        const label = `${format} ${lang}`;
        if (format === 'md' || format === 'html') {
          // The documents carry every character of the longest field.
          expect(new TextDecoder().decode(bytes), label).toContain(rollback);
        } else if (format === 'pptx') {
          const zip = await JSZip.loadAsync(bytes);
          const names = Object.keys(zip.files).filter((n) => /^ppt\/slides\/slide\d+\.xml$/.test(n));
          slides = Math.max(slides, names.length);
          const xml = (await Promise.all(names.map((n) => zip.file(n)?.async('string') ?? Promise.resolve('')))).join('');
          const slideText = xml.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
          // The checklist's and the sign-offs' long cells are on some slide (tables continue over several).
          for (const seed of ['Item 2', 'Signer 2', 'Check 50', 'Second override']) expect(slideText.includes(seed), `${label}: ${seed}`).toBe(true);
        } else if (format === 'pdf') {
          expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1'), label).toBe('%PDF-');
        } else {
          // One row per run × epoch: this project has no runs, so the header alone, well-formed.
          expect(new TextDecoder().decode(bytes).split('\n')[0]?.split(',').length, label).toBeGreaterThan(10);
        }
        rendered.push(`${format}/${lang}`);
      }
    }
    reportFigures('free text at its maximum in reports', { fieldsAtMaximum: 14, rendered: rendered.join(' '), pptxSlides: slides });
  });
});

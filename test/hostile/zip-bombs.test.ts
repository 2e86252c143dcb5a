import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { constants, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Project } from '../../common/contract';
import { METADATA_JSON, MODEL_JSON } from '../../main/production/model-export';
import { unzipModelExport, zipModelExport } from '../../main/production/probe';
import { tempDir } from '../jobs/helpers';
import { apiCall, realServer } from '../server/helpers';
import { reportFigures, snapshotStore } from './helpers';

const MB = 1024 * 1024;
const GIB = 1024 * MB;

interface RawEntry {
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  data: Buffer;
  declaredSize: number;
  flags?: number;
}

/** A zip written byte by byte, so it can lie about sizes like a hostile one does (CRCs are left at 0). */
function buildZip(entries: RawEntry[], options: { count?: number; sharedData?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  let firstOffset = 0;
  for (const [i, entry] of entries.entries()) {
    const name = Buffer.from(entry.name, 'utf8');
    const header = (signature: number, size: number) => {
      const b = Buffer.alloc(size);
      b.writeUInt32LE(signature, 0);
      return b;
    };
    const local = header(0x04034b50, 30);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(entry.flags ?? 0, 6);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    // Overlapping entries (the "better zip bomb"): every central record points at the first local one.
    const at = options.sharedData && i > 0 ? firstOffset : offset;
    if (!(options.sharedData && i > 0)) {
      locals.push(local, name, entry.data);
      if (i === 0) firstOffset = offset;
      offset += local.length + name.length + entry.data.length;
    }
    const central = header(0x02014b50, 46);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(entry.flags ?? 0, 8);
    central.writeUInt16LE(entry.method, 10);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(at, 42);
    centrals.push(central, name);
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(options.count ?? entries.length, 8);
  end.writeUInt16LE(options.count ?? entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * A raw deflate stream of `bytes` zeros without compressing them: one fully flushed (byte-aligned,
 * dictionary reset) block of 1 MiB zeros repeated, then an empty final block.
 */
function zerosDeflated(bytes: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(MB), { finishFlush: constants.Z_FULL_FLUSH, level: 9 });
  const final = deflateRawSync(Buffer.alloc(0));
  return Buffer.concat([...Array.from({ length: Math.ceil(bytes / MB) }, () => block), final]);
}

const smallJson = (name: string): RawEntry => {
  const data = Buffer.from(`{"name":"${name}"}`);
  return { name: `model/${name}`, method: 0, data, declaredSize: data.length };
};

describe('hostile input: zip bombs and malformed zips in the monitoring probe', () => {
  it('refuses every hostile zip with a 400 before inflating it, with server memory growth under 100 MB', async () => {
    const { server, store, dataDir } = await realServer();
    const project = JSON.parse((await apiCall(server, 'projects.create', { name: 'probe target' })).body) as Project;
    const before = snapshotStore(store.file);
    const bomb = zerosDeflated(1.1 * GIB);
    const exportFiles = [smallJson(MODEL_JSON), smallJson(METADATA_JSON)];
    const hostile: { name: string; zip: Buffer; message: RegExp }[] = [
      { name: '1.1 GiB weights.bin, declared honestly', zip: buildZip([...exportFiles, { name: 'model/weights.bin', method: 8, data: bomb, declaredSize: 1.1 * GIB }]), message: /declares \d+ bytes from \d+ compressed/ },
      { name: '1.1 GiB weights.bin, declared as 8 MB', zip: buildZip([...exportFiles, { name: 'model/weights.bin', method: 8, data: bomb, declaredSize: 8 * MB }]), message: /inflates to more than its declared 8388608 bytes/ },
      { name: '65,534 entries announced', zip: buildZip(exportFiles, { count: 65_534 }), message: /65534 entries; at most 256/ },
      { name: 'zip64 marker', zip: buildZip(exportFiles, { count: 0xffff }), message: /zip64/ },
      {
        name: '300 overlapping entries over one local file',
        zip: buildZip(
          Array.from({ length: 300 }, (_, i) => ({ name: `model/w${i}.bin`, method: 8, data: bomb.subarray(0, 0), declaredSize: 0 })),
          { sharedData: true },
        ),
        message: /300 entries; at most 256/,
      },
      {
        name: 'many entries each under the ratio, over the total',
        zip: buildZip([...exportFiles, ...Array.from({ length: 6 }, (_, i) => ({ name: `model/w${i}.bin`, method: 0, data: Buffer.alloc(0), declaredSize: 100 * MB }))]),
        message: /declares 104857600 bytes from 0 compressed/,
      },
      { name: 'encrypted entry', zip: buildZip([...exportFiles, { ...smallJson('weights.bin'), flags: 1 }]), message: /is encrypted/ },
      { name: 'unknown compression method', zip: buildZip([...exportFiles, { ...smallJson('weights.bin'), method: 12 }]), message: /compression method 12/ },
      { name: 'path traversal name', zip: buildZip([smallJson(MODEL_JSON), { ...smallJson(METADATA_JSON), name: 'model/../../metadata.json' }]), message: /must be at the zip's root or in one folder|unexpected file name/ },
      { name: 'garbage deflate data', zip: buildZip([...exportFiles, { name: 'model/weights.bin', method: 8, data: randomBytes(4096), declaredSize: 4096 }]), message: /damaged zip file|inflates to more/ },
      { name: 'truncated archive', zip: buildZip([...exportFiles, { name: 'model/weights.bin', method: 8, data: bomb.subarray(0, 2048), declaredSize: MB }]).subarray(0, 1500), message: /not a zip file|damaged zip file/ },
      { name: 'not a zip', zip: Buffer.from('PK but not really a zip file at all, just text'), message: /not a zip file/ },
    ];

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const statuses: number[] = [];
    try {
      for (const input of hostile) {
        const res = await apiCall(server, 'production.runProbe', {
          projectId: project.id,
          attack: 'badpre',
          source: { kind: 'model-zip', upload: { fileName: 'model.zip', base64: input.zip.toString('base64') } },
          actor: 'ana',
        });
        peak = Math.max(peak, process.memoryUsage().rss);
        statuses.push(res.status);
        expect(res.status, input.name).toBe(400);
        expect((JSON.parse(res.body) as { message: string }).message, input.name).toMatch(input.message);
      }
    } finally {
      clearInterval(sampler);
    }
    const growthMb = (peak - baseline) / MB;
    expect(growthMb).toBeLessThan(100);
    // Nothing unpacked is left in the data folder's scratch space.
    const scratch = path.join(dataDir, 'tmp');
    expect(fs.existsSync(scratch) ? fs.readdirSync(scratch) : []).toEqual([]);
    const after = snapshotStore(store.file);
    expect(after.digest).toBe(before.digest);
    expect(after.integrity).toBe('ok');
    reportFigures('zip bombs and malformed zips', {
      tried: hostile.length,
      refused400: statuses.filter((s) => s === 400).length,
      bombInflatesTo: '1.1 GiB',
      serverRssGrowthMb: growthMb.toFixed(1),
      storeUnchanged: after.digest === before.digest,
      integrity: after.integrity,
    });
  });

  it('still unpacks a genuine export written by zipModelExport, byte for byte', async () => {
    const source = tempDir('dece-zip-src-');
    const files = { [MODEL_JSON]: Buffer.from('{"format":"layers-model"}'), [METADATA_JSON]: Buffer.from('{"config":{}}'), 'weights.bin': randomBytes(2 * MB) };
    for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(source, name), bytes);
    const zipped = await zipModelExport(source, 'export-1');
    const target = path.join(tempDir('dece-zip-dst-'), 'model');
    await unzipModelExport(zipped.base64, 'export-1.zip', target);
    expect(fs.readdirSync(target).sort()).toEqual(Object.keys(files).sort());
    for (const [name, bytes] of Object.entries(files)) expect(fs.readFileSync(path.join(target, name)).equals(bytes), name).toBe(true);
  });
});

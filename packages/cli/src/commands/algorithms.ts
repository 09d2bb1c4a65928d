/** kms-wrap algorithms [--target T]: the matrix of what the target accepts, capacities, and what is installed. */
import { WRAPPING_KEY_SPECS, parseTarget, type MaterialSpec, type Target } from '@kms-wrap/core';
import { importedSpecs, keySpecRefusal } from '@kms-wrap/core/internal';
import { flag, parse, str } from '../args.js';
import { json, line, type Io } from '../io.js';
import { standardWrapper } from '@kms-wrap/node';

export async function run(argv: string[], io: Io): Promise<number> {
  const p = parse('algorithms', argv, { json: { type: 'boolean' }, target: { type: 'string' } }, { min: 0, max: 0 });
  const target = parseTarget(str(p, 'target') ?? 'aws');
  if (target.id !== 'aws') return listTarget(target, flag(p, 'json'), io);
  const wrapper = await standardWrapper();
  const rows = Object.entries(wrapper.rules.algorithms).map(([id, rule]) => {
    const plugin = wrapper.algorithms.get(id);
    const capacity = Object.fromEntries(
      WRAPPING_KEY_SPECS.filter((k) => rule.wrappingKeySpecs.includes(k)).map((k) => [k, plugin ? plugin.capacity(k) : null]),
    );
    return {
      id,
      package: rule.packageName,
      installed: !!plugin,
      materials: rule.materials,
      wrappingKeySpecs: rule.wrappingKeySpecs,
      regions: rule.regions,
      capacityBytes: capacity,
    };
  });
  const deprecated = Object.entries(wrapper.rules.deprecated).map(([id, why]) => ({ id, why }));
  if (flag(p, 'json')) {
    json(io, { ok: true, target: wrapper.rules.name, algorithms: rows, deprecated });
    return 0;
  }
  line(io.stdout, `Wrapping algorithms ${wrapper.rules.name} accepts (preference order):`);
  line(io.stdout);
  for (const r of rows) {
    line(io.stdout, `${r.id}${r.installed ? '' : `   (not installed: npm install ${r.package})`}`);
    line(io.stdout, `  material:      ${r.materials.join(', ')}`);
    line(io.stdout, `  wrapping keys: ${r.wrappingKeySpecs.join(', ')}`);
    line(
      io.stdout,
      `  regions:       ${r.regions.includes('standard') ? (r.regions.includes('china') ? 'all, China Regions included' : 'all but the China Regions') : 'China Regions only'}`,
    );
    const caps = Object.entries(r.capacityBytes).map(([k, c]) => `${k} ${c === null ? '?' : c > 65536 ? 'any size' : `${c} bytes`}`);
    line(io.stdout, `  capacity:      ${caps.join(', ')}`);
  }
  for (const d of deprecated) line(io.stdout, `\nNot accepted: ${d.why}`);
  return 0;
}

/** Another target's matrix: its algorithms with the construction each is, and the material it imports or not, with why. */
async function listTarget(target: Target, asJson: boolean, io: Io): Promise<number> {
  const wrapper = await standardWrapper(target);
  const rows = Object.entries(target.rules.algorithms).map(([id, rule]) => {
    const construction = rule.construction ?? id;
    const plugin = wrapper.algorithms.get(construction);
    const capacity = Object.fromEntries(
      WRAPPING_KEY_SPECS.filter((k) => rule.wrappingKeySpecs.includes(k)).map((k) => [k, plugin ? plugin.capacity(k) : null]),
    );
    return {
      id,
      construction,
      package: rule.packageName,
      installed: !!plugin,
      materials: rule.materials,
      wrappingKeySpecs: rule.wrappingKeySpecs,
      capacityBytes: capacity,
    };
  });
  const imported = importedSpecs(target.rules).map((spec) => ({ keySpec: spec, name: target.rules.keySpecs?.[spec] ?? spec }));
  const refused = Object.keys(target.rules.keySpecRefusals ?? {}).map((spec) => ({
    keySpec: spec as MaterialSpec,
    why: keySpecRefusal(target.rules, spec as MaterialSpec, 'command-line')!,
  }));
  if (asJson) {
    json(io, {
      ok: true,
      target: target.id,
      name: target.name,
      algorithms: rows,
      keySpecs: imported,
      notImported: refused,
      docs: target.docs,
    });
    return 0;
  }
  line(io.stdout, `Wrapping algorithms ${target.name} accepts (preference order):`);
  line(io.stdout);
  for (const r of rows) {
    line(io.stdout, `${r.id}${r.installed ? '' : `   (not installed: npm install ${r.package})`}`);
    line(io.stdout, `  construction:  ${r.construction}`);
    line(io.stdout, `  material:      ${r.materials.join(', ')}`);
    line(io.stdout, `  wrapping keys: ${r.wrappingKeySpecs.join(', ')}`);
    const caps = Object.entries(r.capacityBytes).map(([k, c]) => `${k} ${c === null ? '?' : c > 65536 ? 'any size' : `${c} bytes`}`);
    line(io.stdout, `  capacity:      ${caps.join(', ')}`);
  }
  line(io.stdout);
  line(io.stdout, `Key material ${target.name} imports (kms-wrap key spec: ${target.name}'s name):`);
  for (const k of imported) line(io.stdout, `  ${k.keySpec}: ${k.name}`);
  for (const r of refused) line(io.stdout, `\nNot imported: ${r.keySpec}: ${r.why}`);
  line(io.stdout, `\nSee ${target.docs}`);
  return 0;
}

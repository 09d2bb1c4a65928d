/** kms-wrap algorithms: the matrix of what KMS accepts, capacities, and what is installed. */
import { WRAPPING_KEY_SPECS } from '@kms-wrap/core';
import { flag, parse } from '../args.js';
import { json, line, type Io } from '../io.js';
import { standardWrapper } from '../runtime.js';

export async function run(argv: string[], io: Io): Promise<number> {
  const p = parse('algorithms', argv, { json: { type: 'boolean' } }, { min: 0, max: 0 });
  const wrapper = await standardWrapper();
  const rows = Object.entries(wrapper.rules.algorithms).map(([id, rule]) => {
    const plugin = wrapper.algorithms.get(id);
    const capacity = Object.fromEntries(
      WRAPPING_KEY_SPECS.filter((k) => rule.wrappingKeySpecs.includes(k)).map((k) => [k, plugin ? plugin.capacity(k) : null]),
    );
    return { id, package: rule.packageName, installed: !!plugin, materials: rule.materials, wrappingKeySpecs: rule.wrappingKeySpecs, regions: rule.regions, capacityBytes: capacity };
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
    line(io.stdout, `  regions:       ${r.regions.includes('standard') ? (r.regions.includes('china') ? 'all, China Regions included' : 'all but the China Regions') : 'China Regions only'}`);
    const caps = Object.entries(r.capacityBytes).map(([k, c]) => `${k} ${c === null ? '?' : c > 65536 ? 'any size' : `${c} bytes`}`);
    line(io.stdout, `  capacity:      ${caps.join(', ')}`);
  }
  for (const d of deprecated) line(io.stdout, `\nNot accepted: ${d.why}`);
  return 0;
}

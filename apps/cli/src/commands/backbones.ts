import { defineCommand } from '../command.js';
import { int, printJson, shape, table } from '../format.js';
import { resolveBackbone } from '../resolve.js';
import { notFound } from '../errors.js';

interface BackboneRow {
  id: string;
  name: string;
  family: string;
  pretrained: boolean;
  inputShape: number[];
  lastFeatureLayer: string;
  layers: { params: number }[];
}

export const backbonesLs = defineCommand({
  name: 'backbones ls',
  summary: 'List the registered backbones (pretrained weights runs start from).',
  usage: 'graft backbones ls [--json]',
  help: 'columns: name, family, input shape, layers, params, default cut layer, id',
  options: {},
  json: true,
  positionals: { min: 0, max: 0, names: '' },
  async run(ctx, values) {
    const client = await ctx.client();
    const data = await client.request<{ backbones: BackboneRow[] }>(
      `{ backbones { id name family pretrained inputShape lastFeatureLayer sourceUri weightsSha256 createdAt layers { params } } }`,
    );
    if (values['json']) return printJson(data);
    if (data.backbones.length === 0) {
      process.stdout.write('No backbones registered.\n');
      return;
    }
    process.stdout.write(
      table(
        data.backbones,
        [
          { header: 'NAME', value: (b) => b.name },
          { header: 'FAMILY', value: (b) => b.family },
          { header: 'INPUT', value: (b) => shape(b.inputShape) },
          { header: 'LAYERS', value: (b) => String(b.layers.length), align: 'right' },
          {
            header: 'PARAMS',
            value: (b) => int(b.layers.reduce((s, l) => s + l.params, 0)),
            align: 'right',
          },
          { header: 'CUT AT', value: (b) => b.lastFeatureLayer },
          { header: 'ID', value: (b) => b.id, color: () => 'gray' },
        ],
        ctx.color,
      ) + '\n',
    );
  },
});

interface LayerRow {
  name: string;
  className: string;
  outputShape: (number | null)[];
  params: number;
}

export const layers = defineCommand({
  name: 'layers',
  summary: "Show a backbone's layer table: name, class, output shape, params.",
  usage: 'graft layers <backbone name or id> [--json]',
  help: `Layers in topological order (input layer and classifier top included). The NOTE column
marks block ends (cut points for allButLastBlocks) and the default cut layer.`,
  options: {},
  json: true,
  positionals: { min: 1, max: 1, names: '<backbone name or id>' },
  async run(ctx, values, [nameOrId]) {
    const client = await ctx.client();
    const query = `query($id: ID!) { backbone(id: $id) { id name family inputShape lastFeatureLayer blockEnds layers { name className outputShape params } } }`;
    const { id } = await resolveBackbone(client, nameOrId!);
    const data = await client.request<{
      backbone: { name: string; lastFeatureLayer: string; blockEnds: string[]; layers: LayerRow[] };
    }>(query, { id });
    if (!data.backbone) throw notFound(`no backbone '${nameOrId}'`);
    if (values['json']) return printJson(data);
    const b = data.backbone;
    const blockEnds = new Set(b.blockEnds);
    const note = (l: LayerRow) =>
      [l.name === b.lastFeatureLayer ? 'default cut' : '', blockEnds.has(l.name) ? 'block end' : '']
        .filter(Boolean)
        .join(', ');
    process.stdout.write(
      table(
        b.layers,
        [
          { header: 'NAME', value: (l) => l.name },
          { header: 'CLASS', value: (l) => l.className },
          { header: 'OUTPUT SHAPE', value: (l) => shape(l.outputShape) },
          { header: 'PARAMS', value: (l) => int(l.params), align: 'right' },
          { header: 'NOTE', value: note, color: () => 'gray' },
        ],
        ctx.color,
      ) + '\n',
    );
    const total = b.layers.reduce((s, l) => s + l.params, 0);
    process.stdout.write(`\n${b.name}: ${b.layers.length} layers, ${int(total)} params\n`);
  },
});

// Validates an RDF file (Turtle or N-Triples) against SHACL shapes and
// prints the results as JSON lines: {"severity", "focus", "path", "message",
// "shape", "component"}. Exit status 0 when the data conforms, 1 when it
// does not, 2 on a usage or parse error.
//
//   node check.mjs DATA.ttl SHAPES.ttl [MORE-SHAPES.ttl …]
import fs from 'node:fs'
import rdf from '@zazuko/env'
import { Parser } from 'n3'
import SHACLValidator from 'rdf-validate-shacl'

function load (path) {
  const ds = rdf.dataset()
  const parser = new Parser({ baseIRI: 'file://' + path })
  for (const q of parser.parse(fs.readFileSync(path, 'utf8'))) ds.add(q)
  return ds
}

const [dataPath, ...shapePaths] = process.argv.slice(2)
if (!dataPath || shapePaths.length === 0) {
  console.error('usage: node check.mjs DATA.ttl SHAPES.ttl [MORE-SHAPES.ttl …]')
  process.exit(2)
}
let data, shapes
try {
  data = load(dataPath)
  shapes = rdf.dataset()
  for (const p of shapePaths) for (const q of load(p)) shapes.add(q)
} catch (e) {
  console.error(`parse error: ${e.message}`)
  process.exit(2)
}
const validator = new SHACLValidator(shapes, { factory: rdf })
const report = await validator.validate(data)
for (const r of report.results) {
  console.log(JSON.stringify({
    severity: r.severity?.value?.replace('http://www.w3.org/ns/shacl#', ''),
    focus: r.focusNode?.value,
    path: r.path?.value,
    message: r.message.map(m => m.value).join(' '),
    shape: r.sourceShape?.value,
    component: r.sourceConstraintComponent?.value?.replace('http://www.w3.org/ns/shacl#', '')
  }))
}
process.exit(report.conforms ? 0 : 1)

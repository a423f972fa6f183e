import { pdfkitModule } from '../../common/clients/sdk-modules';
import type { ReportContent } from './report-content';

// The report as a PDF, drawn with PDFKit from the same content as the page (no browser: Azure Functions has
// none). The standard PDF fonts carry WinAnsi glyphs only, so the few typographic characters outside it are
// written in their plain equivalents; every figure stays as on the page.

const WINANSI_SUBSTITUTES: Record<string, string> = { '−': '-', '≥': '>=', '≤': '<=', '→': '->', '±': '±' };
const plain = (s: string) => s.replace(/[−≥≤→]/g, (c) => WINANSI_SUBSTITUTES[c] ?? c);

const PAGE = { margin: 50, width: 595.28 } as const; // A4 portrait, points
const CHART = { height: 160 } as const;

function heading(doc: PDFKit.PDFDocument, text: string) {
  doc.moveDown(0.8).font('Helvetica-Bold').fontSize(13).fillColor('#000').text(plain(text)).moveDown(0.3);
  doc.font('Helvetica').fontSize(10);
}

function bullets(doc: PDFKit.PDFDocument, items: string[]) {
  for (const i of items) doc.text(`•  ${plain(i)}`, { indent: 0, paragraphGap: 2 });
}

function chart(doc: PDFKit.PDFDocument, c: ReportContent) {
  const pts = c.trend.points;
  if (pts.length === 0) {
    doc.text('No scans in this window.');
    return;
  }
  const left = PAGE.margin + 36;
  const width = PAGE.width - PAGE.margin * 2 - 36;
  if (doc.y + CHART.height + 30 > doc.page.height - PAGE.margin) doc.addPage();
  const top = doc.y + 4;
  const times = pts.map((p) => Date.parse(p.takenAt));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const v0 = Math.floor(Math.min(...pts.flatMap((p) => [p.band.low, p.value])) - 0.5);
  const v1 = Math.ceil(Math.max(...pts.flatMap((p) => [p.band.high, p.value])) + 0.5);
  const x = (t: number) => left + (t1 === t0 ? width / 2 : ((t - t0) / (t1 - t0)) * width);
  const y = (v: number) => top + (1 - (v - v0) / (v1 - v0)) * CHART.height;
  const at = (i: number) => times[i] as number;
  doc.save();
  doc.rect(left, top, width, CHART.height).lineWidth(0.5).strokeColor('#999').stroke();
  const band: Array<[number, number]> = [
    ...pts.map((p, i): [number, number] => [x(at(i)), y(p.band.high)]),
    ...pts.map((p, i): [number, number] => [x(at(i)), y(p.band.low)]).reverse(),
  ];
  if (band.length > 2)
    doc
      .polygon(...band)
      .fillOpacity(0.5)
      .fill('#b6d4fe');
  doc.fillOpacity(1);
  if (pts.length > 1) {
    doc.moveTo(x(at(0)), y(pts[0]?.smoothed ?? 0));
    pts.forEach((p, i) => {
      if (i > 0) doc.lineTo(x(at(i)), y(p.smoothed));
    });
    doc.lineWidth(1.5).strokeColor('#0a58ca').stroke();
  }
  pts.forEach((p, i) => {
    doc.circle(x(at(i)), y(p.value), 2.5).fill('#000');
  });
  doc.restore();
  doc.font('Helvetica').fontSize(8).fillColor('#555');
  for (const v of [v0, (v0 + v1) / 2, v1]) doc.text(v.toFixed(1), PAGE.margin, y(v) - 4, { width: 32, align: 'right', lineBreak: false });
  doc.text(new Date(t0).toISOString().slice(0, 10), left, top + CHART.height + 4, { lineBreak: false });
  if (t1 > t0)
    doc.text(new Date(t1).toISOString().slice(0, 10), left + width - 60, top + CHART.height + 4, {
      width: 60,
      align: 'right',
      lineBreak: false,
    });
  doc.fillColor('#000').fontSize(10);
  doc.x = PAGE.margin;
  doc.y = top + CHART.height + 20;
}

/** The PDF bytes of the report. */
export function reportPdf(c: ReportContent): Promise<Uint8Array> {
  const PDFDocument = pdfkitModule();
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    info: { Title: plain(c.title), Producer: 'ReddyFit Scan Pipeline', Creator: 'ReddyFit Scan Pipeline' },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on('data', (b: Buffer) => chunks.push(b));
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', reject);
  });
  doc.font('Helvetica-Bold').fontSize(17).text(plain(c.title));
  if (c.sharedNote) doc.moveDown(0.3).font('Helvetica').fontSize(10).text(plain(c.sharedNote));
  doc
    .moveDown(0.4)
    .font('Helvetica')
    .fontSize(10)
    .text(plain(c.notes[1] ?? ''));

  heading(doc, 'Your figures');
  for (const f of c.figures) {
    doc.font('Helvetica-Bold').text(`${plain(f.label)}: ${plain(f.value)}`, { continued: Boolean(f.range) });
    if (f.range) doc.font('Helvetica').text(`   95 % range ${plain(f.range)}`);
    doc.font('Helvetica');
  }
  doc.moveDown(0.3).text(plain(c.notes[0] ?? ''));
  if (c.rangeSource)
    doc
      .fillColor('#555')
      .text(plain(`Error figures: ${c.rangeSource}.`))
      .fillColor('#000');

  heading(doc, 'What changed');
  if (c.changes.length)
    bullets(
      doc,
      c.changes.map((ch) => `${ch.label}: ${ch.text}`),
    );
  else doc.text('This is your first scan: there is nothing to compare yet.');

  heading(doc, 'Trend');
  doc.text(plain(`Body fat over the last ${c.trend.days} days: scans (dots), smoothed trend (line) and the band of day-to-day variation.`));
  chart(doc, c);
  if (c.trend.change) doc.text(plain(c.trend.change.summary));

  if (c.insights.length) {
    heading(doc, 'Findings');
    bullets(doc, c.insights);
  }
  heading(doc, 'Nutrition');
  bullets(doc, c.nutrition);
  heading(doc, 'Workout');
  bullets(doc, [...c.workout.summary, ...c.workout.sessions]);
  heading(doc, 'Hydration');
  bullets(doc, c.hydration);
  heading(doc, 'How this was made');
  bullets(doc, c.howMade);
  doc
    .moveDown(1)
    .font('Helvetica-Bold')
    .text(plain(c.notes[1] ?? ''));
  doc.end();
  return done;
}

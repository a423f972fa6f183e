/** One line that redraws itself on a terminal, or one line per change when output is a file or CI log. */
export function progressPrinter(out: NodeJS.WriteStream = process.stdout) {
  let last = '';
  return {
    update(percent: number, label: string) {
      const width = 30;
      const filled = Math.round((percent / 100) * width);
      const line = `  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}%  ${label}`;
      if (line === last) return;
      last = line;
      if (out.isTTY) out.write(`\r${line.padEnd(80)}`);
      else out.write(`${line}\n`);
    },
    done() {
      if (out.isTTY && last) out.write('\n');
    },
  };
}

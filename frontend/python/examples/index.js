// The Python tab's example programs: the article's three socket programs
// corrected for Python 3, an http.client GET and an ftplib download, each with
// the lab addresses filled in. The .py files beside this module are the single
// source (the machine's python3 runs the same files); this module fetches them
// once, when the tab is first opened, and exports them as `examples`:
// [{ name, title, file, code }]. A file that cannot be fetched still appears,
// its code a comment saying so.

const LIST = [
  ['blocking_server', 'Blocking TCP server (article, example 1)', 'blocking_server.py'],
  ['blocking_client', 'TCP client (article, example 2)', 'blocking_client.py'],
  ['select_server', 'select() server (article, example 3)', 'select_server.py'],
  ['http_get', 'http.client GET (HTTP lab)', 'http_get.py'],
  ['ftp_download', 'ftplib LIST and download (FTP lab)', 'ftp_download.py'],
];

async function load(file) {
  const url = new URL(file, import.meta.url);
  try {
    const res = await fetch(url);
    const type = res.headers.get('content-type') || '';
    // The relay answers an unknown path with the page itself: not a program.
    if (!res.ok || type.startsWith('text/html')) throw new Error(`HTTP ${res.status}`);
    return await res.text();
  } catch (e) {
    return `# Could not load ${file} (${e.message}).\n`;
  }
}

export const examples = await Promise.all(
  LIST.map(async ([name, title, file]) => ({ name, title, file, code: await load(file) })),
);

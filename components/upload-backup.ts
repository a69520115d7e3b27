// Uploading a backup file to the node with progress (a plain XHR: fetch cannot report upload progress).
/** Uploads `file` to the node's backup directory with progress; `setupCode` authorises it during the wizard. */
export function uploadBackup(file: File, onProgress: (fraction: number) => void, setupCode?: string): Promise<{ name: string; size: number }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", `/api/backups/upload/${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("x-maculaos-csrf", "1");
    if (setupCode) xhr.setRequestHeader("x-maculaos-setup-code", setupCode);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: { name?: string; size?: number; error?: string } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // not JSON: reported below
      }
      if (xhr.status === 201) resolve({ name: body.name ?? file.name, size: body.size ?? file.size });
      else reject(new Error(body.error ?? `upload failed (HTTP ${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error("upload failed: the node did not answer"));
    xhr.send(file);
  });
}

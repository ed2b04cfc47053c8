import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import AdmZip from "adm-zip";

/** Lower-cased id and version of the package the fake feed serves. */
export const ID = "microsoft.ml.onnxruntime.gpu.linux";
export const VERSION = "1.30.0";

/** A small .nupkg (a zip) with the same layout as Microsoft.ML.OnnxRuntime.Gpu.Linux. */
export function fakeNupkg(): Buffer {
  const zip = new AdmZip();
  for (const lib of ["cuda", "shared", "tensorrt"])
    zip.addFile(
      `runtimes/linux-x64/native/libonnxruntime_providers_${lib}.so`,
      Buffer.from(`fake ${lib} provider`),
    );
  zip.addFile("runtimes/win-x64/native/onnxruntime_providers_cuda.dll", Buffer.from("not for linux"));
  zip.addFile(`${ID}.nuspec`, Buffer.from("<package/>"));
  return zip.toBuffer();
}

/** A NuGet v3 feed on loopback: service index, flat container, registration leaf and catalog entry. */
export function feed(nupkg: Buffer, publishedHash: string, requests: string[]): Server {
  return createServer((req, res) => {
    const url = req.url ?? "";
    requests.push(url);
    const base = `http://${req.headers.host}`;
    const json = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url === "/v3/index.json")
      return json({
        version: "3.0.0",
        resources: [
          { "@id": `${base}/flat/`, "@type": "PackageBaseAddress/3.0.0" },
          { "@id": `${base}/reg/`, "@type": "RegistrationsBaseUrl/3.6.0" },
        ],
      });
    if (url === `/flat/${ID}/index.json`) return json({ versions: ["1.29.0", VERSION] });
    if (url === `/flat/${ID}/${VERSION}/${ID}.${VERSION}.nupkg`) {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      return res.end(nupkg);
    }
    if (url === `/reg/${ID}/${VERSION}.json`) return json({ catalogEntry: `${base}/catalog/leaf.json` });
    if (url === "/catalog/leaf.json")
      return json({ packageHash: publishedHash, packageHashAlgorithm: "SHA512" });
    res.writeHead(404);
    res.end();
  });
}

/** Listens on 127.0.0.1:<free port>; resolves to the service index URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/index.json`;
}

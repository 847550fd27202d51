// The environment-read scanner's speed on generated source: bench/scan-speed builds it with -O
// together with PushGuardCore's files. Every file mentions the environment, so none is skipped
// by the scanner's "env" pre-check: this is the cost of lexing and matching.
import Glibc

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

let lines: [String: [String]] = [
    "go": ["// Handler serves the request; see os.Getenv(\"DOC\") in the docs.", "func handle(w http.ResponseWriter, r *http.Request) {",
           "\ttoken := os.Getenv(\"AUTH_TOKEN_@\")", "\tmsg := fmt.Sprintf(\"user %s said: \\\"hi\\\"\", r.URL.Path)",
           "\tif v, ok := os.LookupEnv(\"FLAG_@\"); ok { log.Println(v, msg, token) }", "\tx := `raw string with os.Getenv(\"NOT\")`", "}"],
    "py": ["# settings for the service; os.environ['COMMENTED']", "def load(self, key):", "    value = os.environ[\"API_KEY_@\"]",
           "    other = os.environ.get(\"OPTIONAL_@\", \"default\")", "    text = f\"{value} and {other!r:>10}\"", "    return {'k': value, \"o\": other}"],
    "rb": ["# ENV['COMMENTED']", "class Settings", "  KEY = ENV[\"STRIPE_KEY_@\"]", "  HOST = ENV.fetch(\"REDIS_HOST_@\") { \"localhost\" }",
           "  def greet(name) = \"hello #{name} #{ENV['GREETING_@']}\"", "end"],
    "ts": ["// process.env.COMMENTED", "export function config(): Config {", "  const url = process.env.API_URL_@ ?? 'http://localhost';",
           "  const key = process.env[\"SECRET_@\"];", "  const t = `${url}/v1/${key.split(',').map((s) => s.trim())}`;", "  return { url, key, t };", "}"],
    "rs": ["/// Reads the config: env::var(\"DOC\")", "fn config() -> Result<Config, Error> {", "    let url = env::var(\"DATABASE_URL_@\")?;",
           "    let pool = env::var(\"POOL_@\").ok().and_then(|v| v.parse().ok()).unwrap_or(5);", "    let s: &'static str = \"text\";", "    Ok(Config { url, pool })", "}"],
]

@main
struct ScanSpeed {
    static func main() {
        var files: [(String, [UInt8])] = []
        var total = 0
        var n = 0
        while files.count < 1000 {
            for (ext, template) in lines.sorted(by: { $0.key < $1.key }) where files.count < 1000 {
                var text = ""
                while text.utf8.count < 10_000 {
                    for line in template {
                        n += 1
                        for character in line { text += character == "@" ? String(n) : String(character) }
                        text += "\n"
                    }
                }
                files.append(("src/file\(files.count).\(ext)", Array(text.utf8)))
                total += text.utf8.count
            }
        }

        var best = Double.infinity
        var reads = 0
        for _ in 0..<5 {
            let start = now()
            reads = 0
            for (path, bytes) in files { reads += EnvironmentReadScanner.reads(in: bytes, path: path, ignore: .none).count }
            best = min(best, now() - start)
        }
        let megabytes = Double(total) / 1_000_000
        print("scan-speed: \(files.count) files, \(total) bytes, \(reads) reads: best of 5 \(Int(best * 1000)) ms (\(Int(best * 1000 / megabytes)) ms per MB)")
    }
}

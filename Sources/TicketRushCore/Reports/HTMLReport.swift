/// reports/index.html (filled in below).
public enum HTMLReport {
    public static func html(_ results: RunResults) -> String { "<!doctype html><title>ticketrush</title>\n" }
}

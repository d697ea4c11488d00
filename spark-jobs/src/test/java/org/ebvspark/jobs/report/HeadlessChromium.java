package org.ebvspark.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.ebvspark.model.Provenance;
import org.junit.jupiter.api.Assumptions;

/**
 * A real headless Chromium driven over the DevTools protocol (Java's own WebSocket client): it
 * loads a page and records what the page did: console messages, uncaught exceptions, log errors (a
 * blocked request is one), every request, and any JavaScript dialog (an injected alert).
 */
public final class HeadlessChromium implements AutoCloseable {
  /** What one page load did. */
  public record PageLoad(List<String> consoleErrors, List<String> requests, List<String> dialogs) {}

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<String> consoleErrors = Collections.synchronizedList(new ArrayList<>());
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final List<String> dialogs = Collections.synchronizedList(new ArrayList<>());
  private volatile CompletableFuture<Void> loaded = new CompletableFuture<>();

  /** Starts Chromium, or skips the calling test (with the reason) where there is none. */
  public static HeadlessChromium startOrSkip() throws Exception {
    String binary = find();
    Assumptions.assumeTrue(
        binary != null,
        "no Chromium on PATH (chromium, chromium-browser, google-chrome): install Debian's"
            + " chromium to run the page tests");
    return new HeadlessChromium(binary);
  }

  private static String find() {
    String env = System.getenv("EBV_CHROMIUM");
    if (env != null && new File(env).canExecute()) {
      return env;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
        File f = new File(dir, name);
        if (f.canExecute()) {
          return f.getPath();
        }
      }
    }
    return null;
  }

  private HeadlessChromium(String binary) throws Exception {
    profile = Files.createTempDirectory("ebv-chromium");
    process =
        new ProcessBuilder(
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--remote-debugging-port=0",
                "--user-data-dir=" + profile,
                "about:blank")
            .redirectErrorStream(true)
            .redirectOutput(profile.resolve("chromium.log").toFile())
            .start();
    Path portFile = profile.resolve("DevToolsActivePort");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(portFile) || Files.readAllLines(portFile).size() < 2) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IOException(
            "Chromium did not start: " + Files.readString(profile.resolve("chromium.log")));
      }
      Thread.sleep(100);
    }
    int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
    HttpClient http = HttpClient.newHttpClient();
    String list =
        http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    String ws = null;
    for (JsonNode t : Provenance.json().readTree(list)) {
      if ("page".equals(t.path("type").asText())) {
        ws = t.path("webSocketDebuggerUrl").asText();
        break;
      }
    }
    if (ws == null) {
      throw new IOException("Chromium has no page target: " + list);
    }
    socket =
        http.newWebSocketBuilder()
            .buildAsync(URI.create(ws), new Listener())
            .get(30, TimeUnit.SECONDS);
    for (String domain : List.of("Runtime", "Log", "Network", "Page")) {
      call(domain + ".enable", Map.of());
    }
  }

  /** Loads {@code page} and waits for its load event; returns what the page did. */
  public PageLoad load(Path page) throws Exception {
    consoleErrors.clear();
    requests.clear();
    dialogs.clear();
    loaded = new CompletableFuture<>();
    call("Page.navigate", Map.of("url", page.toUri().toString()));
    loaded.get(60, TimeUnit.SECONDS);
    Thread.sleep(300); // late console messages
    return new PageLoad(List.copyOf(consoleErrors), List.copyOf(requests), List.copyOf(dialogs));
  }

  /** Evaluates a JavaScript expression in the page and returns its value as JSON. */
  public JsonNode evaluate(String expression) throws Exception {
    JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
    if (r.has("exceptionDetails")) {
      throw new IllegalStateException("page script failed: " + r.get("exceptionDetails"));
    }
    return r.path("result").path("value");
  }

  /** A PNG of the whole page. */
  public void screenshot(Path png) throws Exception {
    JsonNode metrics = call("Page.getLayoutMetrics", Map.of());
    JsonNode size = metrics.path("cssContentSize");
    int width = (int) Math.ceil(size.path("width").asDouble(1280));
    int height = (int) Math.min(16000, Math.ceil(size.path("height").asDouble(800)));
    call(
        "Emulation.setDeviceMetricsOverride",
        Map.of(
            "width",
            Math.max(width, 1280),
            "height",
            height,
            "deviceScaleFactor",
            1,
            "mobile",
            false));
    JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png"));
    Files.createDirectories(png.getParent());
    Files.write(png, Base64.getDecoder().decode(shot.path("data").asText()));
  }

  private JsonNode call(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    ObjectNode message = Provenance.json().createObjectNode();
    message.put("id", id);
    message.put("method", method);
    message.set("params", Provenance.json().valueToTree(params));
    socket.sendText(Provenance.json().writeValueAsString(message), true).get(30, TimeUnit.SECONDS);
    JsonNode r = reply.get(60, TimeUnit.SECONDS);
    if (r.has("error")) {
      throw new IllegalStateException(method + ": " + r.get("error"));
    }
    return r.path("result");
  }

  private void event(JsonNode m) {
    String method = m.path("method").asText();
    JsonNode p = m.path("params");
    switch (method) {
      case "Runtime.consoleAPICalled" -> {
        String type = p.path("type").asText();
        if (type.equals("error") || type.equals("warning") || type.equals("assert")) {
          consoleErrors.add("console." + type + ": " + p.path("args"));
        }
      }
      case "Runtime.exceptionThrown" ->
          consoleErrors.add("exception: " + p.path("exceptionDetails"));
      case "Log.entryAdded" -> {
        String level = p.path("entry").path("level").asText();
        if (level.equals("error") || level.equals("warning")) {
          consoleErrors.add("log." + level + ": " + p.path("entry").path("text").asText());
        }
      }
      case "Network.requestWillBeSent" -> requests.add(p.path("request").path("url").asText());
      case "Page.javascriptDialogOpening" -> {
        dialogs.add(p.path("message").asText());
        socket.sendText(
            "{\"id\":"
                + ids.incrementAndGet()
                + ",\"method\":\"Page.handleJavaScriptDialog\",\"params\":{\"accept\":true}}",
            true);
      }
      case "Page.loadEventFired" -> loaded.complete(null);
      default -> {}
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        try {
          JsonNode m = Provenance.json().readTree(text.toString());
          if (m.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
            if (f != null) {
              f.complete(m);
            }
          } else {
            event(m);
          }
        } catch (IOException e) {
          // not JSON: ignore
        }
        text.setLength(0);
      }
      ws.request(1);
      return null;
    }
  }

  @Override
  public void close() throws Exception {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // the process goes anyway
    }
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    try (var files = Files.walk(profile)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}

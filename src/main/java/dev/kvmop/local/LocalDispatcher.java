package dev.kvmop.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sits in front of the fabric8 CRUD dispatcher and adds what kubectl needs: discovery, {@code
 * /version}, server-side Table printing, and strategic merge patches (applied as JSON merge
 * patches). Everything else goes to the CRUD store unchanged.
 */
final class LocalDispatcher extends Dispatcher {
  static final String CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  static final String RULES_REVIEW_PATH = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
  private static final String JSON = "application/json";

  private final Dispatcher crud;
  private final Tombstones tombstones = new Tombstones();
  private final ObjectMapper mapper = new ObjectMapper();
  private final KubernetesSerialization serialization = new KubernetesSerialization(mapper, true);
  private final OpenApiV3 openApi = new OpenApiV3(mapper);
  private final TableRenderer tables = new TableRenderer(mapper, Clock.systemUTC());
  private volatile Discovery discovery = new Discovery("127.0.0.1:0");
  private volatile java.util.function.Consumer<ApiRequest> requestLog = r -> {};

  LocalDispatcher(Dispatcher crud) {
    this.crud = crud;
  }

  /** Every request is handed to {@code log} before it is served (tests audit the operator's). */
  void requestLog(java.util.function.Consumer<ApiRequest> log) {
    requestLog = log;
  }

  void serverAddress(String hostPort) {
    discovery = new Discovery(hostPort);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    URI uri = URI.create(request.getPath());
    String path = uri.getRawPath();
    HttpMethod method = request.method();
    requestLog.accept(
        new ApiRequest(method.name(), path, uri.getRawQuery(), request.getHeader("User-Agent")));
    if (method == HttpMethod.GET) {
      Optional<MockResponse> local = discoveryOrVersion(path);
      if (local.isPresent()) {
        return local.get();
      }
      if (PollingWatch.isHttpWatch(uri.getRawQuery(), request.getHeader("Upgrade"))) {
        return pollingWatch(path, uri.getRawQuery());
      }
      String accept = request.getHeader("Accept");
      if (accept != null && accept.contains("as=Table") && !isWatch(uri)) {
        Optional<MockResponse> table = table(request, path, uri.getRawQuery());
        if (table.isPresent()) {
          return table.get();
        }
      }
      if (!isWatch(uri) && FieldSelector.of(uri.getRawQuery()).isPresent()) {
        return list(request.getPath(), request.getHeaders());
      }
    }
    if (method == HttpMethod.POST && path.equals(RULES_REVIEW_PATH)) {
      return json(201, rulesReview(request));
    }
    // Only a DELETE or a write to the object itself (not /status) can make it vanish, so only
    // those pay for reading the object before.
    Optional<ResourcePath> named =
        method == HttpMethod.GET || method == HttpMethod.POST
            ? Optional.empty()
            : ResourcePath.parse(path).filter(rp -> rp.name() != null && rp.subresource() == null);
    JsonNode before = named.map(rp -> current(path)).orElse(null);
    MockResponse response = write(request, path, method);
    // a DELETE, or the write that removes the last finalizer, may make the object vanish
    if (before != null
        && (method == HttpMethod.DELETE || before.path("metadata").hasNonNull("deletionTimestamp"))
        && current(path) == null) {
      JsonNode last = tombstones.buried(named.get(), before);
      // the mock answers the write that removed the last finalizer with an empty body; an API
      // server returns the object (JOSDK's finalizer removal fails on null otherwise)
      if (response.code() / 100 == 2 && isEmpty(response)) {
        return json(200, last.toString());
      }
    }
    return response;
  }

  private MockResponse write(RecordedRequest request, String path, HttpMethod method) {
    if (method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH) {
      RecordedRequest rewritten = rewriteWrite(request, path);
      String type = rewritten.getHeader("Content-Type");
      if (method == HttpMethod.PATCH
          && type != null
          && type.startsWith("application/merge-patch")) {
        return mergePatch(rewritten, path);
      }
      return crud.dispatch(rewritten);
    }
    return crud.dispatch(request);
  }

  private static boolean isEmpty(MockResponse r) {
    if (r.getBody() == null) {
      return true;
    }
    String body = new String(r.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8);
    return body.isBlank() || body.strip().equals("null");
  }

  /** The object at a request path, or null when it does not exist. */
  private JsonNode current(String path) {
    MockResponse r = crud.dispatch(get(path, Headers.builder().build()));
    return r.code() == 200 ? readTree(r.getBody().getBytes()) : null;
  }

  /**
   * RFC 7386 merge patch done here (null removes a field) and stored with a PUT carrying the
   * resourceVersion that was read, retried on conflict unless the patch itself sets one.
   */
  private MockResponse mergePatch(RecordedRequest request, String path) {
    JsonNode patch = readTree(request.getBody().getBytes());
    boolean locked = !patch.path("metadata").path("resourceVersion").isMissingNode();
    String readPath = path.endsWith("/status") ? path.substring(0, path.length() - 7) : path;
    MockResponse put = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      MockResponse current = crud.dispatch(get(readPath, Headers.builder().build()));
      if (current.code() != 200) {
        return current;
      }
      JsonNode merged = MergePatch.apply(readTree(current.getBody().getBytes()), patch);
      Headers headers =
          request
              .getHeaders()
              .newBuilder()
              .removeAll("Content-Type")
              .add("Content-Type", JSON)
              .build();
      put =
          crud.dispatch(
              new RecordedRequest(
                  request.getHttpVersion(),
                  HttpMethod.PUT,
                  request.getPath(),
                  headers,
                  new Buffer(merged.toString().getBytes(StandardCharsets.UTF_8))));
      if (put.code() != 409 || locked) {
        return put;
      }
    }
    return put;
  }

  /**
   * Strategic merge patches become JSON merge patches (kubectl sends them for built-in kinds; the
   * mock answers 415), and Secret stringData is folded into data.
   */
  private RecordedRequest rewriteWrite(RecordedRequest request, String path) {
    String contentType = request.getHeader("Content-Type");
    boolean smp =
        contentType != null && contentType.startsWith("application/strategic-merge-patch");
    boolean secret =
        ResourcePath.parse(path)
            .filter(rp -> rp.group().isEmpty() && rp.plural().equals("secrets"))
            .isPresent();
    if (!smp && !secret) {
      return request;
    }
    byte[] bytes = request.getBody().getBytes();
    JsonNode body;
    try {
      body = readTree(bytes);
    } catch (UncheckedIOException e) {
      return request; // let the mock report it
    }
    if (smp) {
      stripDirectives(body);
      contentType = "application/merge-patch+json";
    }
    if (contentType == null) {
      contentType = "application/json";
    }
    if (secret && !contentType.startsWith("application/json-patch")) {
      SecretStringData.fold(body);
    }
    Headers headers =
        request
            .getHeaders()
            .newBuilder()
            .removeAll("Content-Type")
            .add("Content-Type", contentType)
            .build();
    return new RecordedRequest(
        request.getHttpVersion(),
        request.method(),
        request.getPath(),
        headers,
        new Buffer(body.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The embedded API authorizes nothing, so a SelfSubjectRulesReview (JOSDK checks its Lease
   * permissions with one before campaigning; the CRUD store would answer 422) is answered as
   * allowing everything, with the Lease verbs JOSDK looks for spelled out.
   */
  private String rulesReview(RecordedRequest request) {
    JsonNode body;
    try {
      body = readTree(request.getBody().getBytes());
    } catch (UncheckedIOException e) {
      body = mapper.createObjectNode();
    }
    ObjectNode review = mapper.createObjectNode();
    review.put("apiVersion", "authorization.k8s.io/v1");
    review.put("kind", "SelfSubjectRulesReview");
    review.putObject("metadata");
    review.set(
        "spec", body.path("spec").isObject() ? body.path("spec") : mapper.createObjectNode());
    ObjectNode status = review.putObject("status");
    var rules = status.putArray("resourceRules");
    ObjectNode leases = rules.addObject();
    leases.putArray("verbs").add("get").add("create").add("update");
    leases.putArray("apiGroups").add("coordination.k8s.io");
    leases.putArray("resources").add("leases");
    ObjectNode all = rules.addObject();
    all.putArray("verbs").add("*");
    all.putArray("apiGroups").add("*");
    all.putArray("resources").add("*");
    ObjectNode urls = status.putArray("nonResourceRules").addObject();
    urls.putArray("verbs").add("*");
    urls.putArray("nonResourceURLs").add("*");
    status.put("incomplete", false);
    return review.toString();
  }

  @Override
  public void shutdown() {
    crud.shutdown();
  }

  private Optional<MockResponse> discoveryOrVersion(String path) {
    String p =
        path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    List<String> seg = Arrays.stream(p.split("/")).filter(s -> !s.isEmpty()).toList();
    Object body = null;
    if (p.equals("/")) {
      body = Map.of("paths", List.of("/api", "/api/v1", "/apis", "/version"));
    } else if (p.equals("/version")) {
      body = version();
    } else if (p.equals("/api")) {
      body = discovery.apiVersions();
    } else if (p.equals("/api/v1")) {
      body = discovery.resources("v1", List.of()).orElseThrow();
    } else if (p.equals("/apis")) {
      body = discovery.groupList(crds());
    } else if (seg.size() == 2 && seg.get(0).equals("apis")) {
      body = discovery.group(seg.get(1), crds()).orElse(null);
      if (body == null) {
        return Optional.of(notFound(path));
      }
    } else if (seg.size() == 3 && seg.get(0).equals("apis")) {
      body = discovery.resources(seg.get(1) + "/" + seg.get(2), crds()).orElse(null);
      if (body == null) {
        return Optional.of(notFound(path));
      }
    } else if (p.equals("/openapi/v3")) {
      body = openApi.root(groupVersions());
    } else if (p.startsWith("/openapi/v3/api/") || p.startsWith("/openapi/v3/apis/")) {
      String gv = p.substring(p.indexOf('/', "/openapi/v3/".length()) + 1);
      body = discovery.resources(gv, crds()).map(openApi::groupVersion).orElse(null);
      if (body == null) {
        return Optional.of(notFound(path));
      }
    } else if (p.startsWith("/openapi/")) {
      return Optional.of(notFound(path));
    }
    return Optional.ofNullable(body).map(b -> json(200, serialization.asJson(b)));
  }

  private List<String> groupVersions() {
    List<String> gvs = new ArrayList<>(List.of("v1"));
    discovery
        .groupList(crds())
        .getGroups()
        .forEach(g -> g.getVersions().forEach(v -> gvs.add(v.getGroupVersion())));
    return gvs;
  }

  private Map<String, String> version() {
    return Map.of(
        "major", "1",
        "minor", "32",
        "gitVersion", "v1.32.0-kvmop-local",
        "gitCommit", "",
        "gitTreeState", "clean",
        "buildDate", "2025-01-01T00:00:00Z",
        "goVersion", "java",
        "compiler", "fabric8-mock",
        "platform", "linux/amd64");
  }

  List<CustomResourceDefinition> crds() {
    MockResponse r = crud.dispatch(get(CRD_PATH, Headers.builder().build()));
    JsonNode list = readTree(r.getBody().getBytes());
    List<CustomResourceDefinition> out = new ArrayList<>();
    list.path("items")
        .forEach(i -> out.add(serialization.convertValue(i, CustomResourceDefinition.class)));
    return out;
  }

  private MockResponse pollingWatch(String path, String query) {
    MockResponse r = list(PollingWatch.listPath(path, query), Headers.builder().build());
    if (r.code() != 200) {
      return r;
    }
    long since = PollingWatch.requestedResourceVersion(query);
    String events =
        PollingWatch.events(mapper, readTree(r.getBody().getBytes()), since)
            + ResourcePath.parse(path)
                .map(
                    rp ->
                        tombstones.events(mapper, rp, FieldSelector.of(query).orElse(null), since))
                .orElse("");
    if (!events.isEmpty()) {
      return json(200, events);
    }
    // the mock writes nothing (not even headers) until the delay is over, and ends empty bodies
    // at once; a newline keeps the delay, and client-go skips the whitespace
    return json(200, "\n").setBodyDelay(PollingWatch.IDLE);
  }

  private Optional<MockResponse> table(RecordedRequest request, String path, String query) {
    Optional<ResourcePath> rp = ResourcePath.parse(path);
    if (rp.isEmpty() || rp.get().subresource() != null) {
      return Optional.empty();
    }
    MockResponse r = list(request.getPath(), request.getHeaders());
    if (r.code() != 200) {
      return Optional.of(r);
    }
    JsonNode body = readTree(r.getBody().getBytes());
    boolean fullObject = query != null && query.contains("includeObject=Object");
    ObjectNode table = tables.render(body, printerColumns(rp.get()), fullObject);
    return Optional.of(json(200, table.toString()));
  }

  /** A GET passed to the CRUD mock, with any fieldSelector applied here to a list's items. */
  private MockResponse list(String pathAndQuery, Headers headers) {
    URI uri = URI.create(pathAndQuery);
    Optional<FieldSelector> selector = FieldSelector.of(uri.getRawQuery());
    if (selector.isEmpty()) {
      return crud.dispatch(get(pathAndQuery, headers));
    }
    String query = FieldSelector.without(uri.getRawQuery());
    MockResponse r =
        crud.dispatch(get(uri.getRawPath() + (query.isEmpty() ? "" : "?" + query), headers));
    JsonNode body = r.code() == 200 ? readTree(r.getBody().getBytes()) : null;
    if (body == null || !body.path("items").isArray()) {
      return r;
    }
    var kept = mapper.createArrayNode();
    body.get("items")
        .forEach(
            i -> {
              if (selector.get().matches(i)) {
                kept.add(i);
              }
            });
    ((ObjectNode) body).set("items", kept);
    if (!kept.isEmpty() && kept.get(0).hasNonNull("kind")) {
      // client-go's typed lists (kubectl describe's EventList) refuse the mock's kind "List"
      ((ObjectNode) body).put("kind", kept.get(0).get("kind").asText() + "List");
    }
    return json(200, body.toString());
  }

  private List<JsonNode> printerColumns(ResourcePath rp) {
    for (CustomResourceDefinition crd :
        rp.group().isEmpty() ? List.<CustomResourceDefinition>of() : crds()) {
      if (crd.getSpec().getGroup().equals(rp.group())
          && crd.getSpec().getNames().getPlural().equals(rp.plural())) {
        for (var v : crd.getSpec().getVersions()) {
          if (v.getName().equals(rp.version()) && v.getAdditionalPrinterColumns() != null) {
            List<JsonNode> cols = new ArrayList<>();
            v.getAdditionalPrinterColumns().forEach(c -> cols.add(mapper.valueToTree(c)));
            return cols;
          }
        }
      }
    }
    return List.of();
  }

  /** Drops {@code $patch}, {@code $retainKeys}, {@code $setElementOrder/...} and the like. */
  static void stripDirectives(JsonNode node) {
    if (node.isObject()) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        if (it.next().startsWith("$")) {
          it.remove();
        }
      }
      node.forEach(LocalDispatcher::stripDirectives);
    } else if (node.isArray()) {
      node.forEach(LocalDispatcher::stripDirectives);
    }
  }

  private static boolean isWatch(URI uri) {
    return uri.getRawQuery() != null && uri.getRawQuery().contains("watch=true");
  }

  private static RecordedRequest get(String path, Headers headers) {
    return new RecordedRequest("HTTP/1.1", HttpMethod.GET, path, headers, new Buffer());
  }

  private JsonNode readTree(byte[] bytes) {
    try {
      return bytes.length == 0 ? mapper.createObjectNode() : mapper.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", JSON).setBody(body);
  }

  private static MockResponse notFound(String path) {
    String status =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            + "\"message\":\"the server could not find the requested resource ("
            + path.replace("\"", "")
            + ")\",\"reason\":\"NotFound\",\"details\":{},\"code\":404}";
    return json(404, status);
  }
}

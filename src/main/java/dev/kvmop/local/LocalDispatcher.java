package dev.kvmop.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Sits in front of the fabric8 CRUD dispatcher and adds what kubectl needs: discovery, {@code
 * /version}, server-side Table printing, and strategic merge patches (applied as JSON merge
 * patches). Everything else goes to the CRUD store unchanged.
 */
final class LocalDispatcher extends Dispatcher {
  static final String CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

  private final Dispatcher crud;
  private final Tombstones tombstones = new Tombstones();
  private final ObjectMapper mapper = new ObjectMapper();
  private final KubernetesSerialization serialization = new KubernetesSerialization(mapper, true);
  private final OpenApiV3 openApi = new OpenApiV3(mapper);
  private final TableRenderer tables = new TableRenderer(mapper, Clock.systemUTC());
  private volatile Discovery discovery = new Discovery("127.0.0.1:0");
  private final DiscoveryEndpoints endpoints =
      new DiscoveryEndpoints(() -> discovery, this::crds, openApi, serialization);
  private final Writes writes;
  private final SchemaPruning pruning = new SchemaPruning(mapper, this::crds);
  private volatile java.util.function.Consumer<ApiRequest> requestLog = r -> {};

  LocalDispatcher(Dispatcher crud) {
    this.crud = crud;
    this.writes = new Writes(crud, mapper);
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
      Optional<MockResponse> local = endpoints.serve(path);
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
    if (method == HttpMethod.POST && path.equals(RulesReview.PATH)) {
      return MockHttp.json(201, RulesReview.answer(mapper, request));
    }
    // Only a DELETE or a write to the object itself (not /status) can make it vanish, so only
    // those pay for reading the object before.
    Optional<ResourcePath> named =
        method == HttpMethod.GET || method == HttpMethod.POST
            ? Optional.empty()
            : ResourcePath.parse(path).filter(rp -> rp.name() != null && rp.subresource() == null);
    JsonNode before = named.map(rp -> current(path)).orElse(null);
    MockResponse response = prunedWrite(request, path, method);
    // a DELETE, or the write that removes the last finalizer, may make the object vanish
    if (before != null
        && (method == HttpMethod.DELETE || before.path("metadata").hasNonNull("deletionTimestamp"))
        && current(path) == null) {
      JsonNode last = tombstones.buried(named.get(), before);
      // the mock answers the write that removed the last finalizer with an empty body; an API
      // server returns the object (JOSDK's finalizer removal fails on null otherwise)
      if (response.code() / 100 == 2 && MockHttp.isEmpty(response)) {
        return MockHttp.json(200, last.toString());
      }
    }
    return response;
  }

  /** A write with the fields the CRD schema does not declare pruned, each named in a Warning. */
  private MockResponse prunedWrite(RecordedRequest request, String path, HttpMethod method) {
    Optional<SchemaPruning.Pruned> pruned =
        method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH
            ? ResourcePath.parse(path).flatMap(rp -> pruning.prune(request, rp))
            : Optional.empty();
    MockResponse written =
        writes.write(pruned.map(SchemaPruning.Pruned::request).orElse(request), path, method);
    return pruned.map(p -> p.warn(written)).orElse(written);
  }

  /** The object at a request path, or null when it does not exist. */
  private JsonNode current(String path) {
    MockResponse r = crud.dispatch(MockHttp.get(path, Headers.builder().build()));
    return r.code() == 200 ? MockHttp.readTree(mapper, r.getBody().getBytes()) : null;
  }

  @Override
  public void shutdown() {
    crud.shutdown();
  }

  List<CustomResourceDefinition> crds() {
    MockResponse r = crud.dispatch(MockHttp.get(CRD_PATH, Headers.builder().build()));
    JsonNode list = MockHttp.readTree(mapper, r.getBody().getBytes());
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
        PollingWatch.events(mapper, MockHttp.readTree(mapper, r.getBody().getBytes()), since)
            + ResourcePath.parse(path)
                .map(
                    rp ->
                        tombstones.events(mapper, rp, FieldSelector.of(query).orElse(null), since))
                .orElse("");
    if (!events.isEmpty()) {
      return MockHttp.json(200, events);
    }
    // the mock writes nothing (not even headers) until the delay is over, and ends empty bodies
    // at once; a newline keeps the delay, and client-go skips the whitespace
    return MockHttp.json(200, "\n").setBodyDelay(PollingWatch.IDLE);
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
    JsonNode body = MockHttp.readTree(mapper, r.getBody().getBytes());
    boolean fullObject = query != null && query.contains("includeObject=Object");
    ObjectNode table = tables.render(body, printerColumns(rp.get()), fullObject);
    return Optional.of(MockHttp.json(200, table.toString()));
  }

  /** A GET passed to the CRUD mock, with any fieldSelector applied here to a list's items. */
  private MockResponse list(String pathAndQuery, Headers headers) {
    URI uri = URI.create(pathAndQuery);
    Optional<FieldSelector> selector = FieldSelector.of(uri.getRawQuery());
    if (selector.isEmpty()) {
      return crud.dispatch(MockHttp.get(pathAndQuery, headers));
    }
    String query = FieldSelector.without(uri.getRawQuery());
    MockResponse r =
        crud.dispatch(
            MockHttp.get(uri.getRawPath() + (query.isEmpty() ? "" : "?" + query), headers));
    JsonNode body = r.code() == 200 ? MockHttp.readTree(mapper, r.getBody().getBytes()) : null;
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
    return MockHttp.json(200, body.toString());
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

  private static boolean isWatch(URI uri) {
    return uri.getRawQuery() != null && uri.getRawQuery().contains("watch=true");
  }
}

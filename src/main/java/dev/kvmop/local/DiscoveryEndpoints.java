package dev.kvmop.local;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** GETs the embedded API answers itself: /, /version, discovery and the OpenAPI v3 documents. */
final class DiscoveryEndpoints {
  private final Supplier<Discovery> discovery;
  private final Supplier<List<CustomResourceDefinition>> crds;
  private final OpenApiV3 openApi;
  private final KubernetesSerialization serialization;

  DiscoveryEndpoints(
      Supplier<Discovery> discovery,
      Supplier<List<CustomResourceDefinition>> crds,
      OpenApiV3 openApi,
      KubernetesSerialization serialization) {
    this.discovery = discovery;
    this.crds = crds;
    this.openApi = openApi;
    this.serialization = serialization;
  }

  private Discovery discovery() {
    return discovery.get();
  }

  Optional<MockResponse> serve(String path) {
    String p =
        path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    List<String> seg = Arrays.stream(p.split("/")).filter(s -> !s.isEmpty()).toList();
    Object body = null;
    if (p.equals("/")) {
      body = Map.of("paths", List.of("/api", "/api/v1", "/apis", "/version"));
    } else if (p.equals("/version")) {
      body = version();
    } else if (p.equals("/api")) {
      body = discovery().apiVersions();
    } else if (p.equals("/api/v1")) {
      body = discovery().resources("v1", List.of()).orElseThrow();
    } else if (p.equals("/apis")) {
      body = discovery().groupList(crds.get());
    } else if (seg.size() == 2 && seg.get(0).equals("apis")) {
      body = discovery().group(seg.get(1), crds.get()).orElse(null);
      if (body == null) {
        return Optional.of(MockHttp.notFound(path));
      }
    } else if (seg.size() == 3 && seg.get(0).equals("apis")) {
      body = discovery().resources(seg.get(1) + "/" + seg.get(2), crds.get()).orElse(null);
      if (body == null) {
        return Optional.of(MockHttp.notFound(path));
      }
    } else if (p.equals("/openapi/v3")) {
      body = openApi.root(groupVersions());
    } else if (p.startsWith("/openapi/v3/api/") || p.startsWith("/openapi/v3/apis/")) {
      String gv = p.substring(p.indexOf('/', "/openapi/v3/".length()) + 1);
      body = discovery().resources(gv, crds.get()).map(openApi::groupVersion).orElse(null);
      if (body == null) {
        return Optional.of(MockHttp.notFound(path));
      }
    } else if (p.startsWith("/openapi/")) {
      return Optional.of(MockHttp.notFound(path));
    }
    return Optional.ofNullable(body).map(b -> MockHttp.json(200, serialization.asJson(b)));
  }

  private List<String> groupVersions() {
    List<String> gvs = new ArrayList<>(List.of("v1"));
    discovery()
        .groupList(crds.get())
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
}

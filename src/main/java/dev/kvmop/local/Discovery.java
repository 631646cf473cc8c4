package dev.kvmop.local;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersions;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The discovery documents ({@code /api}, {@code /api/v1}, {@code /apis}, {@code /apis/g}, {@code
 * /apis/g/v}) that the CRUD mock lacks: a fixed set of built-in resources plus whatever CRDs are
 * stored.
 */
final class Discovery {
  static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  /**
   * A built-in resource the server stores (the CRUD mock stores anything; this is what we list).
   */
  record Builtin(
      String group,
      String version,
      String plural,
      String kind,
      boolean namespaced,
      List<String> shortNames) {
    String groupVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }
  }

  static final List<Builtin> BUILTINS =
      List.of(
          new Builtin("", "v1", "namespaces", "Namespace", false, List.of("ns")),
          new Builtin("", "v1", "secrets", "Secret", true, List.of()),
          new Builtin("", "v1", "configmaps", "ConfigMap", true, List.of("cm")),
          new Builtin("", "v1", "events", "Event", true, List.of("ev")),
          new Builtin("events.k8s.io", "v1", "events", "Event", true, List.of("ev")),
          new Builtin("coordination.k8s.io", "v1", "leases", "Lease", true, List.of()),
          new Builtin(
              "apiextensions.k8s.io",
              "v1",
              "customresourcedefinitions",
              "CustomResourceDefinition",
              false,
              List.of("crd", "crds")));

  private final String serverAddress;

  Discovery(String serverAddress) {
    this.serverAddress = serverAddress;
  }

  APIVersions apiVersions() {
    return new APIVersionsBuilder()
        .withVersions("v1")
        .addNewServerAddressByClientCIDR("0.0.0.0/0", serverAddress)
        .build();
  }

  APIGroupList groupList(List<CustomResourceDefinition> crds) {
    return new APIGroupListBuilder().withGroups(groups(crds).values().stream().toList()).build();
  }

  Optional<APIGroup> group(String name, List<CustomResourceDefinition> crds) {
    return Optional.ofNullable(groups(crds).get(name));
  }

  /** The APIResourceList for {@code v1} (core) or {@code group/version}; empty if unknown. */
  Optional<APIResourceList> resources(String groupVersion, List<CustomResourceDefinition> crds) {
    List<APIResource> out = new ArrayList<>();
    for (Builtin b : BUILTINS) {
      if (b.groupVersion().equals(groupVersion)) {
        out.add(resource(b.plural(), b.kind(), b.namespaced(), b.shortNames(), List.of()));
      }
    }
    for (CustomResourceDefinition crd : crds) {
      var spec = crd.getSpec();
      for (CustomResourceDefinitionVersion v : spec.getVersions()) {
        if ((spec.getGroup() + "/" + v.getName()).equals(groupVersion)
            && !Boolean.FALSE.equals(v.getServed())) {
          var n = spec.getNames();
          boolean namespaced = "Namespaced".equals(spec.getScope());
          out.add(
              resource(
                  n.getPlural(), n.getKind(), namespaced, n.getShortNames(), n.getCategories()));
          if (v.getSubresources() != null && v.getSubresources().getStatus() != null) {
            out.add(
                new APIResourceBuilder()
                    .withName(n.getPlural() + "/status")
                    .withSingularName("")
                    .withKind(n.getKind())
                    .withNamespaced(namespaced)
                    .withVerbs("get", "patch", "update")
                    .build());
          }
        }
      }
    }
    if (out.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new APIResourceListBuilder().withGroupVersion(groupVersion).withResources(out).build());
  }

  private static APIResource resource(
      String plural,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      List<String> categories) {
    return new APIResourceBuilder()
        .withName(plural)
        .withSingularName(kind.toLowerCase(java.util.Locale.ROOT))
        .withKind(kind)
        .withNamespaced(namespaced)
        .withVerbs(VERBS)
        .withShortNames(shortNames == null || shortNames.isEmpty() ? null : shortNames)
        .withCategories(categories == null || categories.isEmpty() ? null : categories)
        .build();
  }

  private Map<String, APIGroup> groups(List<CustomResourceDefinition> crds) {
    Map<String, List<String>> versions = new LinkedHashMap<>();
    for (Builtin b : BUILTINS) {
      if (!b.group().isEmpty()) {
        addVersion(versions, b.group(), b.version());
      }
    }
    for (CustomResourceDefinition crd : crds) {
      // storage version first: kubectl treats the first version as preferred
      crd.getSpec().getVersions().stream()
          .sorted(
              (a, b) ->
                  Boolean.compare(
                      Boolean.TRUE.equals(b.getStorage()), Boolean.TRUE.equals(a.getStorage())))
          .filter(v -> !Boolean.FALSE.equals(v.getServed()))
          .forEach(v -> addVersion(versions, crd.getSpec().getGroup(), v.getName()));
    }
    Map<String, APIGroup> out = new LinkedHashMap<>();
    versions.forEach(
        (group, vs) -> {
          List<GroupVersionForDiscovery> gvs =
              vs.stream().map(v -> new GroupVersionForDiscovery(group + "/" + v, v)).toList();
          out.put(
              group,
              new APIGroupBuilder()
                  .withName(group)
                  .withVersions(gvs)
                  .withPreferredVersion(gvs.get(0))
                  .build());
        });
    return out;
  }

  private static void addVersion(Map<String, List<String>> versions, String group, String v) {
    List<String> vs = versions.computeIfAbsent(group, g -> new ArrayList<>());
    if (!vs.contains(v)) {
      vs.add(v);
    }
  }
}

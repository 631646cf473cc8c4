package dev.kvmop.testing;

import dev.kvmop.local.ApiRequest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rules of deploy/rbac.yaml as (apiGroup, resource, verb) grants. A Role's rules count as
 * granted wherever the test puts the Lease (the operator's namespace in a cluster).
 */
public final class RbacRules {
  private final Set<ApiRequest.Access> grants = new TreeSet<>(RbacRules::compare);

  public RbacRules(KubernetesClient client, Path rbacYaml) {
    try (InputStream in = Files.newInputStream(rbacYaml)) {
      for (HasMetadata o : client.load(in).items()) {
        List<PolicyRule> rules =
            o instanceof ClusterRole cr
                ? cr.getRules()
                : o instanceof Role r ? r.getRules() : List.of();
        for (PolicyRule rule : rules) {
          for (String g : rule.getApiGroups()) {
            for (String res : rule.getResources()) {
              for (String v : rule.getVerbs()) {
                grants.add(new ApiRequest.Access(g, res, v));
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Set<ApiRequest.Access> grants() {
    return grants;
  }

  public boolean allows(ApiRequest.Access a) {
    return grants.contains(a);
  }

  /** Grants that none of the given accesses used. */
  public List<ApiRequest.Access> unused(Set<ApiRequest.Access> used) {
    List<ApiRequest.Access> out = new ArrayList<>();
    for (ApiRequest.Access g : grants) {
      if (!used.contains(g)) {
        out.add(g);
      }
    }
    return out;
  }

  /**
   * Maps every request to its RBAC access, prints what was used, the non-resource URLs and the
   * grants never used, and returns the accesses not granted (with one example request each).
   */
  public java.util.Map<ApiRequest.Access, String> denied(List<ApiRequest> requests, String tag) {
    Set<ApiRequest.Access> used = new TreeSet<>(RbacRules::compare);
    java.util.Map<ApiRequest.Access, String> denied = new java.util.TreeMap<>(RbacRules::compare);
    Set<String> nonResource = new TreeSet<>();
    for (ApiRequest r : requests) {
      r.access()
          .ifPresentOrElse(
              a -> {
                used.add(a);
                if (!allows(a)) {
                  denied.putIfAbsent(a, r.method() + " " + r.path());
                }
              },
              () -> nonResource.add(r.method() + " " + r.path()));
    }
    System.out.println("[rbac " + tag + "] used: " + used);
    System.out.println("[rbac " + tag + "] non-resource URLs: " + nonResource);
    System.out.println("[rbac " + tag + "] grants never used: " + unused(used));
    return denied;
  }

  public static int compare(ApiRequest.Access a, ApiRequest.Access b) {
    int c = a.apiGroup().compareTo(b.apiGroup());
    if (c == 0) {
      c = a.resource().compareTo(b.resource());
    }
    return c != 0 ? c : a.verb().compareTo(b.verb());
  }
}

package dev.kvmop.local;

import java.util.Optional;

/**
 * One request as the embedded API received it: method, raw path, raw query (may be null) and the
 * User-Agent header (may be null).
 */
public record ApiRequest(String method, String path, String query, String userAgent) {

  /**
   * The RBAC view of this request: API group, resource (with {@code /subresource}) and verb, or
   * empty for non-resource URLs such as discovery and {@code /version}.
   */
  public Optional<Access> access() {
    return ResourcePath.parse(path)
        .map(
            rp -> {
              String resource =
                  rp.subresource() == null ? rp.plural() : rp.plural() + "/" + rp.subresource();
              return new Access(rp.group(), resource, verb(rp.name() != null));
            });
  }

  private String verb(boolean named) {
    boolean watch = query != null && query.matches("(.*&)?watch=(true|1)(&.*)?");
    return switch (method) {
      case "GET" -> watch ? "watch" : named ? "get" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> method.toLowerCase(java.util.Locale.ROOT);
    };
  }

  /** What an RBAC rule must grant for a request. */
  public record Access(String apiGroup, String resource, String verb) {}
}

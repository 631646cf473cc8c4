package dev.kvmop.local;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URI;
import java.util.function.Predicate;

/**
 * The embedded API's authorizer: every request is allowed unless a rule says otherwise; a refused
 * request gets 403 Forbidden with a Status body, as from a real API server whose RBAC does not
 * grant it. Tests use it to take a permission away from the operator while it runs.
 */
final class Authorizer extends Dispatcher {
  private final Dispatcher next;
  private volatile Predicate<ApiRequest> allowed = r -> true;
  private volatile byte[] bearer;

  Authorizer(Dispatcher next) {
    this.next = next;
  }

  /** From now on every request must carry {@code Authorization: Bearer <token>}, or gets 401. */
  void requireToken(String token) {
    bearer = ("Bearer " + token).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  void rule(Predicate<ApiRequest> allowed) {
    this.allowed = allowed;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    byte[] expected = bearer;
    if (expected != null && !authenticated(request.getHeader("Authorization"), expected)) {
      return unauthorized();
    }
    URI uri = URI.create(request.getPath());
    ApiRequest r =
        new ApiRequest(
            request.method().name(),
            uri.getRawPath(),
            uri.getRawQuery(),
            request.getHeader("User-Agent"));
    return allowed.test(r) ? next.dispatch(request) : forbidden(r);
  }

  @Override
  public void shutdown() {
    next.shutdown();
  }

  private static boolean authenticated(String header, byte[] expected) {
    return header != null
        && java.security.MessageDigest.isEqual(
            header.getBytes(java.nio.charset.StandardCharsets.UTF_8), expected);
  }

  private static MockResponse unauthorized() {
    return new MockResponse()
        .setResponseCode(401)
        .setHeader("Content-Type", "application/json")
        .setBody(
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}");
  }

  private static MockResponse forbidden(ApiRequest r) {
    java.util.Optional<String> what =
        r.access().map(a -> a.verb() + " " + a.resource() + " in group \"" + a.apiGroup() + "\"");
    String message =
        (r.userAgent() == null ? "the client" : r.userAgent().replace("\"", ""))
            + " cannot "
            + what.orElse(r.method() + " " + r.path()).replace("\"", "'");
    String status =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            + "\"message\":\"forbidden: "
            + message
            + "\",\"reason\":\"Forbidden\",\"details\":{},\"code\":403}";
    return new MockResponse()
        .setResponseCode(403)
        .setHeader("Content-Type", "application/json")
        .setBody(status);
  }
}

package dev.kvmop.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.UncheckedIOException;

/** The embedded API's answer to a SelfSubjectRulesReview. */
final class RulesReview {
  static final String PATH = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";

  private RulesReview() {}

  /**
   * The embedded API authorizes nothing, so a SelfSubjectRulesReview (JOSDK checks its Lease
   * permissions with one before campaigning; the CRUD store would answer 422) is answered as
   * allowing everything, with the Lease verbs JOSDK looks for spelled out.
   */
  static String answer(ObjectMapper mapper, RecordedRequest request) {
    JsonNode body;
    try {
      body = MockHttp.readTree(mapper, request.getBody().getBytes());
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
}

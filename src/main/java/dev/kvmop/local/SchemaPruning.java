package dev.kvmop.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Prunes fields a custom resource's structural schema does not declare, as an API server does on
 * every write, and names each dropped field in a {@code Warning} header ({@code 299 - "unknown
 * field \"spec.foo\""}), which kubectl prints and fabric8 logs. Without it the embedded API would
 * store the field and hand it to every reader: an operator that does not know the field would fail
 * to read the object.
 *
 * <p>Bodies of creates, updates and merge patches are pruned (a merge patch has the object's
 * shape); JSON patches are stored as sent.
 */
final class SchemaPruning {
  private static final Set<String> ROOT_FIELDS = Set.of("apiVersion", "kind", "metadata");

  private final ObjectMapper mapper;
  private final Supplier<List<CustomResourceDefinition>> crds;

  SchemaPruning(ObjectMapper mapper, Supplier<List<CustomResourceDefinition>> crds) {
    this.mapper = mapper;
    this.crds = crds;
  }

  /** The pruned write and the dropped fields; empty when nothing is to be pruned. */
  record Pruned(RecordedRequest request, List<String> dropped) {
    /** The response with one Warning header per dropped field. */
    MockResponse warn(MockResponse response) {
      for (String field : dropped) {
        response.addHeader("Warning", "299 - \"unknown field \\\"" + field + "\\\"\"");
      }
      return response;
    }
  }

  Optional<Pruned> prune(RecordedRequest request, ResourcePath path) {
    String type = request.getHeader("Content-Type");
    if (path.group().isEmpty() || (type != null && type.startsWith("application/json-patch"))) {
      return Optional.empty();
    }
    Optional<JsonNode> schema = schema(path);
    if (schema.isEmpty()) {
      return Optional.empty();
    }
    JsonNode body;
    try {
      body = MockHttp.readTree(mapper, request.getBody().getBytes());
    } catch (UncheckedIOException e) {
      return Optional.empty(); // let the mock report it
    }
    if (!body.isObject()) {
      return Optional.empty();
    }
    List<String> dropped = new ArrayList<>();
    pruneObject((ObjectNode) body, schema.get(), "", ROOT_FIELDS, dropped);
    if (dropped.isEmpty()) {
      return Optional.empty();
    }
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    return Optional.of(
        new Pruned(
            new RecordedRequest(
                request.getHttpVersion(),
                request.method(),
                request.getPath(),
                request.getHeaders(),
                new Buffer(bytes)),
            dropped));
  }

  /** Removes the undeclared fields of {@code node} and below, adding their paths to dropped. */
  static void prune(JsonNode node, JsonNode schema, String path, List<String> dropped) {
    if (schema == null || schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      return;
    }
    if (node.isObject() && schema.has("properties")) {
      pruneObject((ObjectNode) node, schema, path, Set.of(), dropped);
    } else if (node.isObject() && schema.path("additionalProperties").isObject()) {
      node.fields()
          .forEachRemaining(
              e ->
                  prune(
                      e.getValue(),
                      schema.get("additionalProperties"),
                      path + "." + e.getKey(),
                      dropped));
    } else if (node.isArray() && schema.has("items")) {
      for (int i = 0; i < node.size(); i++) {
        prune(node.get(i), schema.get("items"), path + "[" + i + "]", dropped);
      }
    }
  }

  private static void pruneObject(
      ObjectNode node, JsonNode schema, String path, Set<String> kept, List<String> dropped) {
    JsonNode properties = schema.path("properties");
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      String fieldPath = path.isEmpty() ? field : path + "." + field;
      if (kept.contains(field)) {
        continue;
      }
      if (!properties.has(field)) {
        dropped.add(fieldPath);
        it.remove();
      } else {
        prune(node.get(field), properties.get(field), fieldPath, dropped);
      }
    }
  }

  private Optional<JsonNode> schema(ResourcePath path) {
    for (CustomResourceDefinition crd : crds.get()) {
      if (crd.getSpec().getGroup().equals(path.group())
          && crd.getSpec().getNames().getPlural().equals(path.plural())) {
        for (var v : crd.getSpec().getVersions()) {
          if (v.getName().equals(path.version()) && v.getSchema() != null) {
            return Optional.of(mapper.valueToTree(v.getSchema().getOpenAPIV3Schema()));
          }
        }
      }
    }
    return Optional.empty();
  }
}

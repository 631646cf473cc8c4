package dev.kvmop.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import java.util.List;

/**
 * A minimal {@code /openapi/v3}: for each group/version, one PATCH operation per kind that declares
 * the {@code fieldValidation} query parameter and nothing else. That is what kubectl's validation
 * checks before it leaves validation to the server (which, being the CRUD mock, does none); without
 * it {@code kubectl apply} needs {@code --validate=false}. No schemas are served, so kubectl falls
 * back to its built-in types for strategic merge patches.
 */
final class OpenApiV3 {
  private final ObjectMapper mapper;

  OpenApiV3(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** The root document: {@code paths} maps "api/v1" and "apis/g/v" to their documents. */
  ObjectNode root(List<String> groupVersions) {
    ObjectNode root = mapper.createObjectNode();
    ObjectNode paths = root.putObject("paths");
    for (String gv : groupVersions) {
      String key = gv.contains("/") ? "apis/" + gv : "api/" + gv;
      paths.putObject(key).put("serverRelativeURL", "/openapi/v3/" + key);
    }
    return root;
  }

  /** The document for one group/version. */
  ObjectNode groupVersion(APIResourceList list) {
    String gv = list.getGroupVersion();
    String group = gv.contains("/") ? gv.substring(0, gv.indexOf('/')) : "";
    String version = gv.substring(gv.indexOf('/') + 1);
    String prefix = group.isEmpty() ? "/api/" + version : "/apis/" + gv;
    ObjectNode doc = mapper.createObjectNode();
    doc.put("openapi", "3.0.0");
    doc.putObject("info").put("title", "kvmop-local").put("version", gv);
    ObjectNode paths = doc.putObject("paths");
    for (APIResource r : list.getResources()) {
      if (r.getName().contains("/")) {
        continue;
      }
      String path =
          prefix
              + (Boolean.TRUE.equals(r.getNamespaced()) ? "/namespaces/{namespace}/" : "/")
              + r.getName()
              + "/{name}";
      ObjectNode patch = paths.putObject(path).putObject("patch");
      patch
          .putObject("x-kubernetes-group-version-kind")
          .put("group", group)
          .put("version", version)
          .put("kind", r.getKind());
      patch
          .putArray("parameters")
          .addObject()
          .put("name", "fieldValidation")
          .put("in", "query")
          .putObject("schema")
          .put("type", "string");
      patch.putObject("responses").putObject("200").put("description", "OK");
    }
    doc.putObject("components").putObject("schemas");
    return doc;
  }
}

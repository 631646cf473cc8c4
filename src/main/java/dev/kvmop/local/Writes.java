package dev.kvmop.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * Writes as an API server takes them and the CRUD mock does not: strategic merge patches (applied
 * as JSON merge patches), RFC 7386 merge patches, and Secret stringData.
 */
final class Writes {
  private final Dispatcher crud;
  private final ObjectMapper mapper;

  Writes(Dispatcher crud, ObjectMapper mapper) {
    this.crud = crud;
    this.mapper = mapper;
  }

  MockResponse write(RecordedRequest request, String path, HttpMethod method) {
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

  /**
   * RFC 7386 merge patch done here (null removes a field) and stored with a PUT carrying the
   * resourceVersion that was read, retried on conflict unless the patch itself sets one.
   */
  private MockResponse mergePatch(RecordedRequest request, String path) {
    JsonNode patch = MockHttp.readTree(mapper, request.getBody().getBytes());
    boolean locked = !patch.path("metadata").path("resourceVersion").isMissingNode();
    String readPath = path.endsWith("/status") ? path.substring(0, path.length() - 7) : path;
    MockResponse put = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      MockResponse current = crud.dispatch(MockHttp.get(readPath, Headers.builder().build()));
      if (current.code() != 200) {
        return current;
      }
      JsonNode merged =
          MergePatch.apply(MockHttp.readTree(mapper, current.getBody().getBytes()), patch);
      Headers headers =
          request
              .getHeaders()
              .newBuilder()
              .removeAll("Content-Type")
              .add("Content-Type", MockHttp.JSON)
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
      body = MockHttp.readTree(mapper, bytes);
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

  /** Drops {@code $patch}, {@code $retainKeys}, {@code $setElementOrder/...} and the like. */
  static void stripDirectives(JsonNode node) {
    if (node.isObject()) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        if (it.next().startsWith("$")) {
          it.remove();
        }
      }
      node.forEach(Writes::stripDirectives);
    } else if (node.isArray()) {
      node.forEach(Writes::stripDirectives);
    }
  }
}

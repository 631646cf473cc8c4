package dev.kvmop.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Requests and responses of the embedded API in the shapes the CRUD mock and clients expect. */
final class MockHttp {
  static final String JSON = "application/json";

  private MockHttp() {}

  static RecordedRequest get(String path, Headers headers) {
    return new RecordedRequest("HTTP/1.1", HttpMethod.GET, path, headers, new Buffer());
  }

  static RecordedRequest get(String path) {
    return get(path, Headers.builder().build());
  }

  static JsonNode readTree(ObjectMapper mapper, byte[] bytes) {
    try {
      return bytes.length == 0 ? mapper.createObjectNode() : mapper.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static MockResponse json(int code, String body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", JSON).setBody(body);
  }

  static MockResponse notFound(String path) {
    String status =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            + "\"message\":\"the server could not find the requested resource ("
            + path.replace("\"", "")
            + ")\",\"reason\":\"NotFound\",\"details\":{},\"code\":404}";
    return json(404, status);
  }

  static boolean isEmpty(MockResponse r) {
    if (r.getBody() == null) {
      return true;
    }
    String body = new String(r.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8);
    return body.isBlank() || body.strip().equals("null");
  }
}

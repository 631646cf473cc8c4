package dev.kvmop.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP port on 127.0.0.1 that only counts the connections made to it (and says nothing back): a
 * host address that proves nothing reached the host.
 */
public final class Tripwire implements AutoCloseable {
  private final ServerSocket socket;
  private final AtomicInteger accepted = new AtomicInteger();

  public Tripwire() {
    try {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread t = new Thread(this::acceptLoop, "tripwire-" + socket.getLocalPort());
    t.setDaemon(true);
    t.start();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        accepted.incrementAndGet();
        s.close();
      } catch (IOException e) {
        // closed
      }
    }
  }

  public int port() {
    return socket.getLocalPort();
  }

  public int connections() {
    return accepted.get();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing
    }
  }
}

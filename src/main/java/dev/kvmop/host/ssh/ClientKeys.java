package dev.kvmop.host.ssh;

import com.hierynomus.sshj.common.KeyDecryptionFailedException;
import dev.kvmop.host.HostException;
import dev.kvmop.host.SshTarget;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import net.schmizz.sshj.userauth.password.PasswordFinder;
import net.schmizz.sshj.userauth.password.Resource;

/**
 * Reads the client key from the Secret text. The key is decoded eagerly, before any network I/O, so
 * a bad key or passphrase is reported as such and not as a refusal by the server. Messages never
 * carry key material or the passphrase, nor the parser's own message, which might quote either.
 */
final class ClientKeys {
  private ClientKeys() {}

  static KeyProvider load(SSHClient ssh, SshTarget target) throws HostException {
    if (target.privateKey() == null || target.privateKey().isBlank()) {
      throw invalid(target, "is empty");
    }
    try {
      KeyProvider keys = ssh.loadKeys(target.privateKey(), null, passwordFinder(target));
      keys.getPrivate();
      keys.getPublic();
      return keys;
    } catch (KeyDecryptionFailedException e) {
      throw invalid(target, "could not be decrypted (wrong or missing passphrase)");
    } catch (Exception e) {
      String why =
          e.getClass().getSimpleName().contains("Password")
                  || String.valueOf(e.getMessage()).toLowerCase().contains("pass")
              ? "could not be decrypted (wrong or missing passphrase)"
              : "could not be read (unsupported format or corrupt key: "
                  + e.getClass().getSimpleName()
                  + ")";
      throw invalid(target, why);
    }
  }

  private static PasswordFinder passwordFinder(SshTarget target) {
    String passphrase = target.passphrase();
    if (passphrase == null || passphrase.isEmpty()) {
      return null;
    }
    return new PasswordFinder() {
      @Override
      public char[] reqPassword(Resource<?> resource) {
        return passphrase.toCharArray();
      }

      @Override
      public boolean shouldRetry(Resource<?> resource) {
        return false;
      }
    };
  }

  private static HostException invalid(SshTarget target, String why) {
    return new HostException(
        HostException.Reason.InvalidCredentials, "private key for " + target.hostId() + " " + why);
  }
}

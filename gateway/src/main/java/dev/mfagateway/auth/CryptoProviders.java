package dev.mfagateway.auth;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.Provider;
import java.util.Locale;
import java.util.Optional;
import org.conscrypt.Conscrypt;

/**
 * Chooses the JCA provider that verifies RSA signatures (STACK-NOTES §9): the Amazon Corretto Crypto Provider when it
 * loads healthy, else Conscrypt when it loads, else the JDK's own. The provider is handed to Nimbus's verifier factory
 * only; nothing is installed globally. The system property {@value #PROPERTY} (`auto`, `accp`, `conscrypt`, `jdk`)
 * forces a choice; a forced native provider that does not load falls back to the JDK.
 */
public final class CryptoProviders {
  public static final String PROPERTY = "mfagateway.crypto.provider";

  /** The chosen provider: {@code provider} is empty for the JDK's default providers. */
  public record Choice(String name, Optional<Provider> provider) {}

  private static final Choice JDK = new Choice("jdk", Optional.empty());

  private CryptoProviders() {}

  /** The provider named by {@value #PROPERTY} (default `auto`). */
  public static Choice select() {
    return select(System.getProperty(PROPERTY, "auto"));
  }

  public static Choice select(String preference) {
    return switch (preference.toLowerCase(Locale.ROOT)) {
      case "jdk" -> JDK;
      case "accp" -> accp().orElse(JDK);
      case "conscrypt" -> conscrypt().orElse(JDK);
      case "auto" -> accp().or(CryptoProviders::conscrypt).orElse(JDK);
      default -> throw new IllegalArgumentException(
          PROPERTY + " must be one of auto, accp, conscrypt, jdk, not '" + preference + "'");
    };
  }

  private static Optional<Choice> accp() {
    try {
      AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
      if (accp.getLoadingError() != null) {
        return Optional.empty();
      }
      accp.assertHealthy();
      return Optional.of(new Choice("accp", Optional.of(accp)));
    } catch (RuntimeException | LinkageError notUsable) {
      return Optional.empty();
    }
  }

  private static Optional<Choice> conscrypt() {
    try {
      return Conscrypt.isAvailable()
          ? Optional.of(new Choice("conscrypt", Optional.of(Conscrypt.newProvider())))
          : Optional.empty();
    } catch (RuntimeException | LinkageError notUsable) {
      return Optional.empty();
    }
  }
}

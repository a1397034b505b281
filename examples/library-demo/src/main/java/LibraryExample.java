import dev.tessera.model.api.Chat;
import dev.tessera.model.api.Completion;
import dev.tessera.model.api.GenerationOptions;
import dev.tessera.model.api.LanguageModel;
import dev.tessera.model.api.LoadOptions;
import dev.tessera.model.api.Speculation;
import dev.tessera.model.api.TextIterator;
import dev.tessera.testmodels.EmbeddedModel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

public class LibraryExample {
    public static void main(String[] args) throws Exception {
        // A GGUF file, a Hugging Face safetensors folder or a llama2.c checkpoint; by default the small
        // story model inside tessera-test-models, which has no chat template, so we name one for it.
        Path file = args.length > 0 ? Path.of(args[0]) : EmbeddedModel.path();
        LoadOptions load = LoadOptions.builder().contextLength(512).chatTemplate(args.length > 0 ? null : "zephyr").build();

        try (LanguageModel model = LanguageModel.open(file, load)) {
            // Stream text through a callback as it is generated.
            GenerationOptions greedy = GenerationOptions.builder().greedy().maxTokens(24).build();
            System.out.print("greedy: Once upon a time");
            Completion c = model.generate("Once upon a time", greedy).run(System.out::print);
            System.out.printf("%n  (%d tokens, %.0f tokens/s, %s)%n", c.generatedTokens(), c.tokensPerSecond(), c.stopReason());

            // Sample with a seed and a stop string, reading the text through an iterator.
            GenerationOptions sampled = GenerationOptions.builder()
                    .temperature(0.8f).topK(40).topP(0.95f).repeatPenalty(1.1f).seed(42).maxTokens(32).stop(".").build();
            System.out.print("sampled: Lily");
            try (TextIterator pieces = model.generate("Lily", sampled).iterator()) {
                while (pieces.hasNext()) System.out.print(pieces.next());
            }
            System.out.println();

            // The same through a java.util.concurrent.Flow.Publisher.
            CompletableFuture<String> published = new CompletableFuture<>();
            model.generate("Ben", sampled).publisher().subscribe(new Flow.Subscriber<String>() {
                final StringBuilder text = new StringBuilder();
                public void onSubscribe(Flow.Subscription s) { s.request(Long.MAX_VALUE); }
                public void onNext(String piece) { text.append(piece); }
                public void onError(Throwable t) { published.completeExceptionally(t); }
                public void onComplete() { published.complete(text.toString()); }
            });
            System.out.println("published: Ben" + published.get());

            // Several threads may generate at once; the weights are shared.
            CompletableFuture<String> a = CompletableFuture.supplyAsync(() -> model.generate("The cat", greedy).run().text());
            CompletableFuture<String> b = CompletableFuture.supplyAsync(() -> model.generate("The dog", greedy).run().text());
            System.out.println("concurrent: The cat" + a.get() + " | The dog" + b.get());

            // Speculative decoding: several tokens per forward pass on repetitive text, and the same greedy text.
            String fast = model.generate("Once upon a time", greedy.toBuilder().speculation(Speculation.NGRAM).build()).run().text();
            System.out.println("speculative matches plain: " + fast.equals(c.text()));

            // A chat keeps its KV cache across turns: each turn evaluates only its new text.
            try (Chat chat = model.startChat("You are a storyteller.")) {
                System.out.println("chat: " + chat.send("Tell me about a dog.", greedy).run().text().strip());
                Completion turn = chat.send("What did the dog do next?", greedy).run();
                System.out.println("chat: " + turn.text().strip());
                System.out.println("  (" + turn.cachedTokens() + " of " + turn.promptTokens() + " prompt tokens came from the cache)");
            }
        }
    }
}

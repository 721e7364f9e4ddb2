package dev.ragcanary.sample;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.rag.IndexFingerprint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * The sample RAG function's engine: Lucene BM25 over the bundled runbook, configured by {@link SampleRagConfig}.
 * Answers are extractive (the first sentence of the best snippet); the response follows
 * schemas/rag-response.schema.json. Thread-safe.
 */
public final class SampleRag {
    static final String METRIC = "bm25";
    private static final int CACHE_LIMIT = 10_000;

    private final SampleRagConfig config;
    private final Analyzer analyzer;
    private final IndexSearcher searcher;
    private final IndexFingerprint fingerprint;
    private final Map<String, ObjectNode> answerCache = new ConcurrentHashMap<>();

    public SampleRag(SampleRagConfig config) {
        this.config = config;
        this.analyzer = analyzer(config.analyzer());
        List<Chunk> chunks = chunks(Runbook.asOf(config.staleIndex() ? 1 : Runbook.CURRENT_REVISION), config.chunkWords());
        this.searcher = index(chunks, analyzer);
        this.fingerprint = new IndexFingerprint(hash(chunks), METRIC, config.analyzer());
    }

    public SampleRagConfig config() {
        return config;
    }

    public IndexFingerprint fingerprint() {
        return fingerprint;
    }

    /** An injected upstream failure (configured error rate); the Lambda runtime reports it as the function error. */
    public static final class UpstreamTimeoutException extends RuntimeException {
        public UpstreamTimeoutException(String message) {
            super(message);
        }
    }

    /**
     * Answers {@code question}; {@code seed} drives the reranking noise and the injected errors, so the same
     * (question, seed) always behaves the same way.
     *
     * @throws UpstreamTimeoutException for the configured share of (question, seed) pairs
     */
    public ObjectNode answer(String question, long seed) {
        if (unit(question, seed, 0x5eed) < config.errorRate()) {
            throw new UpstreamTimeoutException("injected upstream timeout for seed " + seed);
        }
        String cacheKey = seed + "\u0000" + question;
        ObjectNode cached = answerCache.get(cacheKey);
        if (cached != null) {
            ObjectNode hit = cached.deepCopy();
            ((ObjectNode) hit.get("cache")).put("hit", true);
            return hit;
        }
        ObjectNode response = retrieve(question, seed);
        if (answerCache.size() >= CACHE_LIMIT) {
            answerCache.clear();
        }
        answerCache.put(cacheKey, response);
        return response.deepCopy();
    }

    private ObjectNode retrieve(String question, long seed) {
        List<Hit> hits = search(question, Math.max(config.topK() * 3, 10));
        if (config.rerankNoise() > 0) {
            Random noise = new Random(seed * 1_000_003L + question.hashCode());
            hits = hits.stream()
                    .map(h -> new Hit(h.sectionId, h.text, h.score * (1 + config.rerankNoise() * noise.nextGaussian())))
                    .sorted(Comparator.comparingDouble(Hit::score).reversed())
                    .toList();
        }
        hits = hits.subList(0, Math.min(config.topK(), hits.size()));

        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("answer", hits.isEmpty() ? "I found nothing about that in the runbook." : firstSentence(hits.get(0).text));
        ArrayNode retrieved = out.putArray("retrieved");
        for (Hit h : hits) {
            retrieved.addObject().put("sectionId", h.sectionId).put("text", h.text)
                    .put("score", Math.round(h.score * 10_000.0) / 10_000.0);
        }
        out.set("index", Json.MAPPER.valueToTree(fingerprint));
        out.putObject("cache").put("prefix", config.cachePrefix()).put("hit", false);
        return out;
    }

    private record Hit(String sectionId, String text, double score) {
    }

    private record Chunk(String sectionId, String text) {
    }

    private List<Hit> search(String question, int n) {
        BooleanQuery.Builder query = new BooleanQuery.Builder();
        int terms = 0;
        try (TokenStream tokens = analyzer.tokenStream("text", question)) {
            CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
            tokens.reset();
            while (tokens.incrementToken() && terms < IndexSearcher.getMaxClauseCount()) {
                query.add(new TermQuery(new Term("text", term.toString())), BooleanClause.Occur.SHOULD);
                terms++;
            }
            tokens.end();
            if (terms == 0) {
                return List.of();
            }
            List<Hit> hits = new ArrayList<>();
            for (ScoreDoc sd : searcher.search(query.build(), n).scoreDocs) {
                Document doc = searcher.storedFields().document(sd.doc);
                hits.add(new Hit(doc.get("section"), doc.get("chunk"), sd.score));
            }
            return hits;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Chunk> chunks(List<Runbook.Section> sections, int chunkWords) {
        List<Chunk> out = new ArrayList<>();
        for (Runbook.Section s : sections) {
            String[] words = (s.title() + ". " + s.text()).split("\\s+");
            for (int from = 0; from < words.length; from += chunkWords) {
                out.add(new Chunk(s.id(), String.join(" ", Arrays.copyOfRange(words, from, Math.min(words.length, from + chunkWords)))));
            }
        }
        return out;
    }

    private static IndexSearcher index(List<Chunk> chunks, Analyzer analyzer) {
        try {
            ByteBuffersDirectory dir = new ByteBuffersDirectory();
            IndexWriterConfig cfg = new IndexWriterConfig(analyzer).setSimilarity(new BM25Similarity());
            try (IndexWriter writer = new IndexWriter(dir, cfg)) {
                for (Chunk c : chunks) {
                    Document doc = new Document();
                    doc.add(new StringField("section", c.sectionId, Field.Store.YES));
                    doc.add(new TextField("text", c.text, Field.Store.NO));
                    doc.add(new StoredField("chunk", c.text));
                    writer.addDocument(doc);
                }
            }
            IndexSearcher searcher = new IndexSearcher(DirectoryReader.open(dir));
            searcher.setSimilarity(new BM25Similarity());
            return searcher;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the sample index", e);
        }
    }

    private static Analyzer analyzer(String name) {
        return switch (name) {
            case "english" -> new EnglishAnalyzer();
            case "standard" -> new StandardAnalyzer();
            case "whitespace" -> new WhitespaceAnalyzer();
            default -> throw new IllegalArgumentException("unknown analyzer " + name);
        };
    }

    /** INDEX_HASH: what was indexed (chunk boundaries included), not how it is analysed. */
    private static String hash(List<Chunk> chunks) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Chunk c : chunks) {
                sha.update(c.sectionId.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(c.text.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return "0x" + HexFormat.of().formatHex(sha.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The chunk's title plus its first sentence: an extractive answer. */
    private static String firstSentence(String text) {
        int title = text.indexOf(". ");
        int end = title < 0 ? -1 : text.indexOf(". ", title + 2);
        return end < 0 ? text : text.substring(0, end + 1);
    }

    /** A uniform number in [0, 1) fixed by (text, seed, salt). */
    static double unit(String text, long seed, long salt) {
        long h = new Random(seed * 31 + salt).nextLong() ^ text.hashCode() * 0x9E3779B97F4A7C15L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (h >>> 11) * 0x1.0p-53;
    }
}

// The nudge model: corpus files, deterministic training, the shipped model's provenance,
// refusing a model that does not match its sidecar, threshold choice, and the detector that
// puts the rules and the model together.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fasttext/fasttext.h>
#include <gtest/gtest.h>

#include "incident_bot/rules/detector.hpp"
#include "store_fixtures.hpp"

namespace incident_bot {
namespace {

const std::string source_dir = INCIDENT_BOT_SOURCE_DIR;

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(Corpus, ReadsLabelsKindsAndLineBreaks) {
    std::vector<labeled_line> lines;
    parse_corpus("# a comment\nblame\twhose_fault\twho did this?\\nseriously\n"
                 "ok\tself_report\tmy bad, rolling back\r\n\n",
                 "batch.tsv",
                 lines);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_TRUE(lines[0].blame);
    EXPECT_EQ(lines[0].kind, "whose_fault");
    EXPECT_EQ(lines[0].text, "who did this?\nseriously");
    EXPECT_EQ(lines[0].source, "batch.tsv:2");
    EXPECT_FALSE(lines[1].blame);
    EXPECT_EQ(lines[1].text, "my bad, rolling back");
}

TEST(Corpus, ErrorsNameTheFileAndLine) {
    std::vector<labeled_line> lines;
    auto error_of = [&](std::string_view text) {
        try {
            parse_corpus(text, "b.tsv", lines);
        } catch (const corpus_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(error_of("ok\tstatus\tfine\nblame\tstatus\tx"),
              "b.tsv:2: \"status\" is not a kind of blame line (config/corpus/LABELING.md)");
    EXPECT_EQ(error_of("maybe\tnone\tx"), "b.tsv:1: label must be blame or ok, not \"maybe\"");
    EXPECT_EQ(error_of("ok\tstatus"), "b.tsv:1: expected label<TAB>kind<TAB>text");
    EXPECT_EQ(error_of("ok\tstatus\t"), "b.tsv:1: the text must be non-empty and hold no TAB");
}

TEST(Corpus, AFolderIsItsTsvFilesInNameOrder) {
    testing::temp_dir dir;
    std::ofstream(dir.file("02-b.tsv")) << "ok\tstatus\tsecond\n";
    std::ofstream(dir.file("01-a.tsv")) << "ok\tstatus\tfirst\n";
    std::ofstream(dir.file("notes.md")) << "not a batch\n";
    const auto lines = read_corpus({dir.path().string()});
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].text, "first");
    EXPECT_EQ(lines[1].text, "second");
    EXPECT_THROW(read_corpus({dir.file("missing.tsv")}), corpus_error);
}

TEST(ModelInput, IsTheNormalisedTextWithPunctuationAsTokens) {
    EXPECT_EQ(model_input("Who BROKE <@U0AB12CD3>'s deploy??\nugh"),
              "who broke @person 's deploy ? . ugh");
    EXPECT_EQ(model_input("  "), "");
}

TEST(ModelInput, APossessiveIsATokenOfItsOwn) {
    EXPECT_EQ(model_input("it was Carla's script, and Dana’s"), "it was carla 's script , and dana 's");
    // Plurals and contractions are not possessives.
    EXPECT_EQ(model_input("the devs did its thing"), "the devs did it is thing");
    EXPECT_EQ(model_input("it's the teams' call"), "it is the teams call");
}

TEST(ChooseThreshold, LowestScoreThatKeepsTheTargetPrecision) {
    auto line = [](bool blame) { return labeled_line{blame, blame ? "sarcasm" : "status", "x", ""}; };
    const std::vector<labeled_line> dev{line(true), line(true), line(false), line(true), line(false)};
    const std::vector<double> scores{0.9, 0.8, 0.7, 0.6, 0.1};
    const std::vector<bool> none(5, false);
    // Down to 0.8: 2 of 2; at 0.7: 2 of 3; at 0.6: 3 of 4.
    EXPECT_DOUBLE_EQ(choose_threshold(dev, scores, none, 1.0), 0.8);
    EXPECT_DOUBLE_EQ(choose_threshold(dev, scores, none, 0.75), 0.6);
    // A false alarm the rules raise counts against every threshold.
    const std::vector<bool> rules_flag_an_ok{false, false, false, false, true};
    EXPECT_DOUBLE_EQ(choose_threshold(dev, scores, rules_flag_an_ok, 0.65), 0.8);
    EXPECT_DOUBLE_EQ(choose_threshold(dev, scores, rules_flag_an_ok, 0.6), 0.1);
    EXPECT_DOUBLE_EQ(choose_threshold(dev, scores, rules_flag_an_ok, 1.0), 1.0);
}

// Settings that train a model on one batch in about a second.
model_params small_params() {
    model_params p;
    p.epoch = 5;
    p.bucket = 20000;
    p.cutoff = 2000;
    return p;
}

// Training twice on the same lines writes the same bytes, so a team (and the test below)
// can reproduce a model from its corpus.
TEST(Model, TrainingIsDeterministicAndTheResultLoads) {
    testing::temp_dir dir;
    const auto corpus = read_corpus({source_dir + "/config/corpus/train/00-original.tsv"});
    model_params small = small_params();
    train_model(corpus, small, dir.file("a.ftz"));
    train_model(corpus, small, dir.file("b.ftz"));
    EXPECT_EQ(sha256_hex(slurp(dir.file("a.ftz"))), sha256_hex(slurp(dir.file("b.ftz"))));
    EXPECT_FALSE(std::filesystem::exists(dir.file("a.ftz.train.txt")));

    write_sidecar(dir.file("a.ftz"), {{"threshold", 0.5}});
    const auto model = blame_model::load_file(dir.file("a.ftz"));
    const auto p = model->predict("who broke prod? whose fault is this");
    EXPECT_GE(p.blame, 0.0);
    EXPECT_LE(p.blame, 1.0);
    EXPECT_FALSE(p.kind.empty());

    // A batch with fine kinds trains one label per kind by default; fine lines as one "ok"
    // label (models trained before that) still load and score the same way.
    const auto kinds = read_corpus({source_dir + "/config/corpus/train/01-terse-3am-oncall.tsv"});
    train_model(kinds, small, dir.file("kinds.ftz"));
    small.fine_kinds = false;
    train_model(kinds, small, dir.file("one.ftz"));
    EXPECT_NE(sha256_hex(slurp(dir.file("kinds.ftz"))), sha256_hex(slurp(dir.file("one.ftz"))));
    write_sidecar(dir.file("one.ftz"), {{"threshold", 0.5}});
    const auto one =
        blame_model::load_file(dir.file("one.ftz"))->predict("who broke prod? whose fault is this");
    EXPECT_GE(one.blame, 0.0);
    EXPECT_LE(one.blame, 1.0);
}

// Words seen fewer than rare_below times in training, and words it never saw, read as one
// token; the sidecar says the model was trained that way.
TEST(Model, RareWordsReadAsOneToken) {
    testing::temp_dir dir;
    model_params small = small_params();
    small.rare_below = 3;
    small.cutoff = 0;  // no pruning: every word kept in training stays known
    small.bucket = 2000;  // and few rows to quantize without it
    const auto corpus = read_corpus({source_dir + "/config/corpus/train/00-original.tsv"});
    train_model(corpus, small, dir.file("rare.ftz"));
    write_sidecar(dir.file("rare.ftz"), {{"threshold", 0.5}, {"params", {{"rare_below", 3}}}});
    const auto rare = blame_model::load_file(dir.file("rare.ftz"));
    EXPECT_EQ(rare->input_line("Zbigniew should have checked the deploy"),
              "<rare> should have checked the deploy");
    EXPECT_GE(rare->predict("Zbigniew should have checked the deploy").blame, 0.0);
    write_sidecar(dir.file("rare.ftz"), {{"threshold", 0.5}, {"params", {{"rare_below", "3"}}}});
    EXPECT_THROW(blame_model::load_file(dir.file("rare.ftz")), model_error);

    small.rare_below = 0;
    train_model(corpus, small, dir.file("plain.ftz"));
    write_sidecar(dir.file("plain.ftz"), {{"threshold", 0.5}});
    EXPECT_EQ(blame_model::load_file(dir.file("plain.ftz"))->input_line("Zbigniew should have"),
              "zbigniew should have");
}

TEST(Model, RefusesAModelThatDoesNotMatchItsSidecar) {
    testing::temp_dir dir;
    std::ofstream(dir.file("m.ftz")) << "not a model";
    write_sidecar(dir.file("m.ftz"), {{"threshold", 0.5}});
    // The digest matches, but the bytes are not fastText's.
    EXPECT_THROW(blame_model::load_file(dir.file("m.ftz")), model_error);
    std::ofstream(dir.file("m.ftz"), std::ios::app) << "changed";
    try {
        blame_model::load_file(dir.file("m.ftz"));
        FAIL() << "a model that changed after its sidecar was written loaded";
    } catch (const model_error& e) {
        EXPECT_NE(std::string(e.what()).find("does not match its sidecar"), std::string::npos);
    }
    EXPECT_THROW(blame_model::load_file(dir.file("absent.ftz")), model_error);
    EXPECT_EQ(open_model("off"), nullptr);
}

// The model built into the binary is config/nudge-model.ftz, trained from config/corpus/train
// as it is checked in: retrain it (`incident-bot train`) after changing the corpus.
TEST(Model, TheShippedModelWasTrainedFromTheShippedCorpus) {
    const auto builtin = blame_model::load_builtin();
    ASSERT_NE(builtin, nullptr) << "the build has no model (config/nudge-model.ftz)";
    const auto train = read_corpus({source_dir + "/config/corpus/train"});
    EXPECT_EQ(builtin->metadata().at("corpus_sha256"), corpus_digest(train));
    EXPECT_EQ(builtin->metadata().at("model_sha256"),
              sha256_hex(slurp(source_dir + "/config/nudge-model.ftz")));
    EXPECT_EQ(builtin->metadata().at("dev").at("corpus_sha256"),
              corpus_digest(read_corpus({source_dir + "/config/corpus/dev"})));
    EXPECT_LE(std::filesystem::file_size(source_dir + "/config/nudge-model.ftz"), 5u << 20);
}

// The bot decodes the quantized model's rows once at load (bot/rules/model.cpp); every score
// must still be the one fastText computes on the quantized rows itself.
// The scorer sums fastText's rows in another order and skips its log/exp round trip
// (findKBest stores log(p + 1e-5)); every label's probability must still agree to float
// rounding on every dev line, including typos, emoji and words the model never saw.
TEST(Model, ScoresLikeFastTextOnTheQuantizedModel) {
    const std::string path = source_dir + "/config/nudge-model.ftz";
    const auto model = blame_model::load_file(path);
    fasttext::FastText quantized;
    quantized.loadModel(path);
    ASSERT_TRUE(quantized.isQuant());
    const auto dict = quantized.getDictionary();
    std::vector<std::int32_t> words, labels;
    std::size_t compared = 0;
    for (const auto& line : read_corpus({source_dir + "/config/corpus/dev"})) {
        const auto ours = model->predict(line.text);
        if (ours.blame == 0) continue;  // too short to score: no fastText call
        std::istringstream in(model->input_line(line.text));
        dict->getLine(in, words, labels);
        fasttext::Predictions scores;
        quantized.predict(dict->nlabels(), words, scores, 0.0);
        double blame = 0;
        double best = -1;
        std::string kind;
        for (const auto& [log_p, id] : scores) {
            const std::string label = dict->getLabel(id);
            if (label.starts_with("__label__ok")) continue;
            const double p = std::exp(log_p) - 1e-5;
            blame += p;
            if (p > best) {
                best = p;
                kind = label.substr(9);
            }
        }
        ASSERT_NEAR(ours.blame, std::min(blame, 1.0), 2e-5) << line.text;
        if (ours.blame > 0.01) {
            EXPECT_EQ(ours.kind, kind) << line.text;
        }
        ++compared;
    }
    EXPECT_GT(compared, 1000u);
}

// Shapes no rule catches (written for this test, not from any corpus split); the rules now
// catch issue 14's own examples (RuleEngine.FlagsIssue14Examples).
TEST(Detector, TheModelCatchesBlameTheRulesMiss) {
    const blame_detector detector(rule_set::load_default(), blame_model::load_builtin());
    for (const char* text : {"platform folks at it again with the ingress",
                             "the db folks did it again, replication is broken"}) {
        ASSERT_TRUE(detector.rules().scan(text).empty()) << "a rule fires now: " << text;
        const auto f = detector.scan(text);
        ASSERT_EQ(f.size(), 1u) << text;
        EXPECT_EQ(f[0].rule_id, model_rule_id) << text;
        EXPECT_EQ(f[0].why, text_for_kind(f[0].category).why);
        EXPECT_FALSE(f[0].suggestion.empty());
    }
    for (const char* text : {"I'm the one who pushed the config, rolling back now",
                             "the cache filled up, rolling back",
                             "whoever is on call tonight should keep an eye on the queue"})
        EXPECT_TRUE(detector.scan(text).empty()) << text;
}

TEST(Detector, AModelFindingSpansTheMessageWithoutSurroundingBlanks) {
    const blame_detector detector(rule_set::load_default(), blame_model::load_builtin());
    const std::string text = "  \nops team nuked the queue\n";
    const auto f = detector.model_finding(text);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->rule_id, model_rule_id);
    EXPECT_EQ(f->matched, "ops team nuked the queue");
    EXPECT_EQ(f->offset, 3u);
    EXPECT_EQ(text_for_kind(f->category).why, f->why);
}

TEST(Detector, WithoutAModelOnlyTheRulesSpeak) {
    const blame_detector detector(rule_set::load_default());
    EXPECT_TRUE(detector.scan("the db people have done it again").empty());
    EXPECT_EQ(detector.judge("who broke prod?").score, 0.0);
    EXPECT_TRUE(detector.judge("who broke prod?").by_rules);
}

// Several megabytes in pieces: line numbers stay those of the whole stream, a code fence
// that spans a piece boundary still hides what is inside it, and a line longer than a piece
// is still read.
TEST(ScanStream, LineNumbersAndFencesSurviveThePieces) {
    const blame_detector detector(rule_set::load_default());
    std::string doc;
    std::size_t lines = 0;
    auto add = [&](const std::string& line) {
        doc += line + "\n";
        ++lines;
    };
    while (doc.size() < 250 * 1024) add("the cache filled up, rolling back");
    add("```");
    while (doc.size() < 600 * 1024) add("who broke prod? (a log line inside a fence)");
    add("```");
    while (doc.size() < 3 * 1024 * 1024) add("p99 back to 180ms");
    add("who broke prod?");
    const std::size_t flagged_line = lines;
    add(std::string(2 * 1024 * 1024, 'x') + " who broke prod?");

    std::istringstream in(doc);
    std::vector<std::size_t> found;
    scan_stream(detector, in, [&](const document_finding& f) { found.push_back(f.line); });
    EXPECT_EQ(found, (std::vector<std::size_t>{flagged_line, flagged_line + 1}));
}

TEST(Detector, EvaluationCountsEachKindAndStage) {
    const blame_detector detector(rule_set::load_default());
    const std::vector<labeled_line> lines{
        {true, "whose_fault", "who broke prod?", ""},
        {true, "whose_fault", "the deploy of doom, again", ""},
        {false, "status", "p99 back to 180ms", ""},
    };
    const auto e = evaluate(detector, lines);
    ASSERT_EQ(e.kinds.size(), 2u);
    EXPECT_EQ(e.kinds[0].kind, "whose_fault");
    EXPECT_EQ(e.kinds[0].lines, 2u);
    EXPECT_EQ(e.kinds[0].flagged, 1u);
    EXPECT_EQ(e.kinds[1].kind, "status");
    EXPECT_EQ(e.kinds[1].flagged, 0u);
    EXPECT_DOUBLE_EQ(e.combined.recall(), 0.5);
    EXPECT_DOUBLE_EQ(e.combined.precision(), 1.0);
    EXPECT_EQ(e.model.true_positives, 0u);
}

}  // namespace
}  // namespace incident_bot

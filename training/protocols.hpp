// recgrad/training/protocols.hpp — the protocols a preset may name, as one table (docs/PROTOCOLS.md).
//
// A protocol tag only labels the printed numbers; what a run does comes from the preset's settings. The table
// says which settings each tag stands for — the models it compares, the split, the ranking, whether it reads
// ratings and whether their unknown timestamps are filled — so a preset whose settings and tag disagree is
// refused before any work (a "chapter" TIGER, a filled-time run labelled like the reference's).
#pragma once
#include <string>
#include <vector>

#include "training/config.hpp"

namespace recgrad::training {

enum class Need { no, yes, either };

struct ProtocolRule {
  std::string tag;
  std::vector<ModelKind> models;  // the models it has tables for
  Split split;
  Ranking ranking;     // SASRec and HSTU; TIGER ranks by beam search under every tag
  bool keeps_history;  // SASRec and HSTU rank the history items too (TIGER's rule: exclude_history = false)
  Need ratings;        // [data] ratings (an event stream, timestamps)
  bool filled_times;   // [data] time_fill names a rule (and only here)
  bool hidden_times;   // [data] hide_times forgets measured times before the fill (and only here)
  std::string what;    // one line for the error message
};

// Every protocol, one row each.
const std::vector<ProtocolRule>& protocol_rules();

// The tags, in the table's order.
const std::vector<std::string>& protocol_tags();

// The rule of `tag`, or nullptr.
const ProtocolRule* protocol_rule(const std::string& tag);

// "" when the preset's settings are those of its protocol's row, else one "\n  key: why" line per mismatch.
std::string check_protocol(const TrainConfig& c);

}  // namespace recgrad::training

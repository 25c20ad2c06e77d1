#include "training/protocols.hpp"

#include <algorithm>

namespace recgrad::training {

const std::vector<ProtocolRule>& protocol_rules() {
  using M = ModelKind;
  // One row per protocol, kept on two lines each.
  // clang-format off
  static const std::vector<ProtocolRule> rules{
      // tag, models, split, ranking, keeps history, ratings, filled times, hidden times, what
      {"chapter", {M::sasrec, M::hstu}, Split::chapter, Ranking::full, false, Need::no, false, false,
       "the fun-rec chapter's tables: users 1..4832 train, every user tested, no validation"},
      {"paper-hstu", {M::sasrec, M::hstu, M::tiger}, Split::leave_one_out, Ranking::full, false, Need::no, false, false,
       "the HSTU paper's ML-1M protocol with a validation item, full ranking, history removed"},
      {"paper-hstu-u2999", {M::sasrec, M::hstu}, Split::leave_one_out, Ranking::full, false, Need::yes, false, false,
       "paper-hstu on the users with measured timestamps (an event stream from [data] ratings)"},
      {"paper-hstu-u2999-time-hidden", {M::hstu}, Split::leave_one_out, Ranking::full, false, Need::yes, true, true,
       "paper-hstu-u2999 with the times ratings.partial_ts.dat.gz lacks hidden by its pattern, then filled"},
      {"paper-hstu-refsplit", {M::sasrec, M::hstu}, Split::reference, Ranking::full, false, Need::no, false, false,
       "the HSTU code's reading: train on full[:-1], select the epoch on the test item"},
      {"paper-hstu-time-filled", {M::hstu}, Split::leave_one_out, Ranking::full, false, Need::yes, true, false,
       "paper-hstu with HSTU's time bias on timestamps of which some were filled by a rule"},
      {"paper-hstu-refsplit-time-filled", {M::hstu}, Split::reference, Ranking::full, false, Need::yes, true, false,
       "paper-hstu-time-filled read as the reference code reads the data (train full[:-1], epoch chosen on test)"},
      {"sasrec-sampled", {M::sasrec, M::hstu}, Split::leave_one_out, Ranking::sampled_100, false, Need::no, false,
       false, "the SASRec paper's: the target among 100 sampled negatives"},
      {"tiger", {M::tiger, M::sasrec, M::hstu}, Split::leave_one_out, Ranking::full, true, Need::no, false, false,
       "the TIGER paper's: the full catalogue, history items kept"},
  };
  // clang-format on
  return rules;
}

const ProtocolRule* protocol_rule(const std::string& tag) {
  for (const auto& r : protocol_rules())
    if (r.tag == tag) return &r;
  return nullptr;
}

const std::vector<std::string>& protocol_tags() {
  static const std::vector<std::string> tags = [] {
    std::vector<std::string> t;
    for (const auto& r : protocol_rules()) t.push_back(r.tag);
    return t;
  }();
  return tags;
}

namespace {

// The tags of the rows where `flag` is set, quoted: "a" or "b".
std::string tags_where(bool ProtocolRule::*flag) {
  std::string t;
  for (const auto& r : protocol_rules())
    if (r.*flag) t += (t.empty() ? "" : " or ") + ("\"" + r.tag + "\"");
  return t;
}

}  // namespace

std::string check_protocol(const TrainConfig& c) {
  const ProtocolRule* r = protocol_rule(c.protocol);
  if (!r) return "\n  protocol: '" + c.protocol + "' is not a protocol";
  const std::string in = " (protocol '" + r->tag + "': " + r->what + ")";
  std::string e;
  if (std::find(r->models.begin(), r->models.end(), c.model) == r->models.end())
    e += "\n  model: '" + name_of(c.model) + "' has no table under this protocol" + in;
  if (c.data.split != r->split) e += "\n  data.split: must be '" + name_of(r->split) + "'" + in;
  const bool ranks = c.model != ModelKind::tiger;
  if (ranks && c.eval.ranking != r->ranking) e += "\n  eval.ranking: must be '" + name_of(r->ranking) + "'" + in;
  if (ranks && r->keeps_history && c.eval.exclude_history)
    e += "\n  eval.exclude_history: must be false (the history items are ranked too)" + in;
  if (r->ratings == Need::yes && c.data.ratings.empty()) e += "\n  data.ratings: this protocol reads ratings" + in;
  if (r->ratings == Need::no && !c.data.ratings.empty())
    e += "\n  data.ratings: an event stream is not this protocol's input" + in;
  if (r->filled_times != (c.data.time_fill != datasets::TimeFill::none))
    e += r->filled_times
             ? "\n  data.time_fill: must name the rule that fills the unknown timestamps" + in
             : "\n  data.time_fill: filled timestamps go with protocol = " + tags_where(&ProtocolRule::filled_times) +
                   " only (no table mixes them with measured ones)";
  if (r->hidden_times != (c.data.hide_times != datasets::HideTimes::none))
    e += r->hidden_times
             ? "\n  data.hide_times: must name which measured times to hide" + in
             : "\n  data.hide_times: hidden timestamps go with protocol = " + tags_where(&ProtocolRule::hidden_times) +
                   " only";
  return e;
}

}  // namespace recgrad::training

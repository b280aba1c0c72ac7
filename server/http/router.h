// Maps (method, path) to an endpoint. Patterns are literal segments and `{name}` segments
// (at most kPatternSegmentsMax segments, PathParams::kMax parameters); a path that matches
// some pattern under another method is a 405 with an Allow header, one that matches none is
// a 404. A `{name}` segment does not take a word that another pattern, alike up to there,
// has as a literal at that place: "/promotions/code" is never "/promotions/{promotionId}",
// whatever the method, so a wrong method on a fixed path is that path's 405, not the
// parameterised pattern's answer (probe 39: PUT /promotions/code was a 400 about the
// promotion id). Built once before the server starts, then read-only, so every io thread
// matches without locks.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/http/handler.h"

namespace codeledger::server {

// Who may call an endpoint.
enum class Access : std::uint8_t {
  kScoped,   // authenticated key holding `scope`
  kPublic,   // no authentication (health, token generation)
};

struct Endpoint {
  http::verb method = http::verb::get;
  std::string pattern;
  std::function<Reply(RequestContext&)> call;
  Scope scope = Scope::kRead;
  Access access = Access::kScoped;
  // A public endpoint that checks credentials itself (token generation): its 401 answers
  // count as authentication failures of the client address, like a failed header.
  bool checks_credentials = false;
  Lane lane = Lane::kIo;
};

struct RouteMatch {
  enum class Kind : std::uint8_t { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
  const Endpoint* endpoint = nullptr;
  std::size_t index = 0;  // kFound: the endpoint's position in the router (metrics label)
  std::string allow;  // kMethodNotAllowed: "GET, POST"
};

class Router {
 public:
  static constexpr std::size_t kPatternSegmentsMax = 16;
  void add(Endpoint endpoint);
  void add(const Route& route);
  // `path` and the router must outlive `params`: its values point into the path, its names
  // into the router.
  RouteMatch match(http::verb method, std::string_view path, PathParams& params) const;
  std::size_t size() const { return endpoints_.size(); }
  const Endpoint& endpoint(std::size_t i) const { return endpoints_[i].endpoint; }

 private:
  struct Segment {
    std::string text;    // a literal, or the parameter's name without its braces
    bool param = false;  // "{name}" in the pattern
    // A parameter's: the literals other patterns, alike before this place, have here.
    std::vector<std::string> reserved;
    bool takes(std::string_view value) const;
  };
  struct Compiled {
    Endpoint endpoint;
    std::vector<Segment> segments;
  };
  class PathSegments;
  static bool matches(const Compiled& c, const PathSegments& path, PathParams* params);
  static void reserve_words(Compiled& owner, const Compiled& other);
  RouteMatch found(std::size_t index) const;
  std::vector<Compiled> endpoints_;
  // Indexes into endpoints_ by segment count: a path is compared only with the patterns of
  // its own length.
  std::array<std::vector<std::size_t>, kPatternSegmentsMax + 1> by_length_;
  // Patterns without a parameter, by their text: a path equal to one, asked with its method,
  // is that endpoint without comparing segments (no parameterised pattern takes that path:
  // reserve_words; the hot routes, link, redeem and look-up, are such). Callgrind, a link's
  // match: 2,102 instructions comparing the segments of its length's seven patterns.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<std::size_t>, TextHash, std::equal_to<>> literal_;
};

// Splits a request target into path and query (without '?').
struct Target {
  std::string_view path;
  std::string_view query;
};
Target split_target(std::string_view target);

// Percent-decodes `in` into `out`; '+' becomes a space (form encoding, as query strings use).
// False on a malformed escape ("%G1", a trailing "%").
bool percent_decode(std::string_view in, std::string& out);

// The path with each escaped unreserved character (RFC 3986 2.3: ALPHA DIGIT - . _ ~) decoded,
// as RFC 3986 6.2.2.2 normalises it, so "/promotions/%63ode" is "/promotions/code". Other
// escapes stay as they came: "%2F" is a '/' that is data, not a segment separator. The path
// itself when there is nothing to decode; otherwise a view of `storage`.
std::string_view decode_unreserved(std::string_view path, std::string& storage);

// Parses `a=b&c=d` into params (names and values percent-decoded). False on a bad escape.
bool parse_query(std::string_view query, QueryParams& params);

}  // namespace codeledger::server

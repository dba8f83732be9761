// Public facts about Bochum that the demo-data generator turns into layers: the city outline, the
// 30 statistical districts, campuses, business parks, motorway junctions and rail stations.
// All positions are WGS84 longitude/latitude; each table names where its numbers come from.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string_view>

namespace standort::demo {

struct LonLat {
  double lon;
  double lat;
};

/// City outline, 78 vertices (the closing vertex is implied). Douglas–Peucker simplification with a
/// 150 m tolerance, computed in EPSG:25832, of bochum_stadtgrenze.geojson (the union of the Stadt
/// Bochum statistical districts; see ../shared/data/bochum/SOURCES.md). The simplified outline
/// covers 145.49 km² against 145.85 km² before simplification.
inline constexpr std::array<LonLat, 78> city_outline{{
    {7.1326768, 51.4393140}, {7.1195381, 51.4308225}, {7.1297037, 51.4295990},
    {7.1462639, 51.4218580}, {7.1549435, 51.4135385}, {7.1657117, 51.4167374},
    {7.1668108, 51.4133025}, {7.1819945, 51.4197896}, {7.1913311, 51.4177759},
    {7.2036132, 51.4184924}, {7.2288721, 51.4103957}, {7.2488823, 51.4113913},
    {7.2598801, 51.4222483}, {7.2700310, 51.4249535}, {7.2768831, 51.4346577},
    {7.2932254, 51.4441514}, {7.2877714, 51.4534912}, {7.2896869, 51.4544473},
    {7.2968685, 51.4567169}, {7.3068669, 51.4541038}, {7.3166538, 51.4569625},
    {7.3422644, 51.4571052}, {7.3494234, 51.4661521}, {7.3479491, 51.4840353},
    {7.3433399, 51.4834393}, {7.3404690, 51.4862167}, {7.3431684, 51.4932096},
    {7.3308027, 51.4964133}, {7.3317019, 51.4931467}, {7.3238852, 51.4891128},
    {7.3225687, 51.4948335}, {7.3175792, 51.4941283}, {7.3160508, 51.4968667},
    {7.3193432, 51.5001608}, {7.3177587, 51.5059076}, {7.3041192, 51.5044900},
    {7.3039459, 51.5158043}, {7.3145141, 51.5236551}, {7.3086059, 51.5264193},
    {7.3043162, 51.5255998}, {7.2997117, 51.5311466}, {7.2948520, 51.5313496},
    {7.2824805, 51.5246730}, {7.2742903, 51.5240896}, {7.2567794, 51.5274463},
    {7.2557012, 51.5201136}, {7.2523304, 51.5200590}, {7.2497646, 51.5238739},
    {7.2478035, 51.5215649}, {7.2381838, 51.5204228}, {7.2373708, 51.5182465},
    {7.2342670, 51.5196644}, {7.2278462, 51.5174218}, {7.2190778, 51.5207931},
    {7.2057779, 51.5185264}, {7.2061018, 51.5217232}, {7.2022978, 51.5219267},
    {7.1914594, 51.5172806}, {7.1903473, 51.5094719}, {7.1724195, 51.5047169},
    {7.1686488, 51.5043119}, {7.1609819, 51.5087062}, {7.1605710, 51.5063592},
    {7.1536011, 51.5058433}, {7.1520987, 51.5021335}, {7.1497620, 51.5053222},
    {7.1386029, 51.5058899}, {7.1377645, 51.4912401}, {7.1202709, 51.4880740},
    {7.1022329, 51.4809914}, {7.1133762, 51.4726321}, {7.1136723, 51.4656639},
    {7.1082763, 51.4622823}, {7.1094761, 51.4592820}, {7.1129237, 51.4597938},
    {7.1160922, 51.4549008}, {7.1214446, 51.4547816}, {7.1337118, 51.4420818},
}};

struct Stadtbezirk {
  int number;
  std::string_view name;
  std::string_view roman;
};

/// The six Stadtbezirke (SOURCES.md, "Facts gathered").
inline constexpr std::array<Stadtbezirk, 6> stadtbezirke{{
    {1, "Bochum-Mitte", "I"},
    {2, "Bochum-Wattenscheid", "II"},
    {3, "Bochum-Nord", "III"},
    {4, "Bochum-Ost", "IV"},
    {5, "Bochum-Süd", "V"},
    {6, "Bochum-Südwest", "VI"},
}};

struct District {
  int number;
  std::string_view name;
  int stadtbezirk;
  double area_km2;
  LonLat centroid;
};

/// The 30 statistical districts: number, name, Stadtbezirk, area and area centroid, from
/// bochum_statistische_bezirke_attribute.csv (data: Stadt Bochum, Statistische Bezirke).
inline constexpr std::array<District, 30> districts{{
    {10, "Grumme", 1, 5.690, {7.232646, 51.494272}},
    {11, "Gleisdreieck", 1, 1.268, {7.217192, 51.481802}},
    {13, "Altenbochum", 1, 3.136, {7.247021, 51.473769}},
    {14, "Südinnenstadt", 1, 2.704, {7.221000, 51.471974}},
    {15, "Kruppwerke", 1, 6.527, {7.188116, 51.474651}},
    {16, "Hamme", 1, 3.903, {7.191455, 51.491035}},
    {17, "Hordel", 1, 2.353, {7.165980, 51.500287}},
    {18, "Hofstede", 1, 3.249, {7.198055, 51.502851}},
    {19, "Riemke", 1, 3.847, {7.213125, 51.512927}},
    {24, "Günnigfeld", 2, 1.650, {7.145861, 51.498016}},
    {25, "Wattenscheid-Mitte", 2, 4.631, {7.148430, 51.484584}},
    {26, "Leithe", 2, 2.811, {7.118914, 51.478958}},
    {27, "Westenfeld", 2, 3.758, {7.148357, 51.470371}},
    {28, "Höntrop", 2, 7.958, {7.139946, 51.455909}},
    {29, "Eppendorf", 2, 3.232, {7.171565, 51.453093}},
    {36, "Bergen/Hiltrop", 3, 4.921, {7.253801, 51.515388}},
    {37, "Gerthe", 3, 5.892, {7.290525, 51.516511}},
    {38, "Harpen/Rosenberg", 3, 3.974, {7.281795, 51.498939}},
    {39, "Kornharpen/Voede-Abzweig", 3, 4.090, {7.260570, 51.492924}},
    {46, "Laer", 4, 4.478, {7.270977, 51.471060}},
    {47, "Werne", 4, 4.905, {7.303797, 51.490514}},
    {48, "Langendreer", 4, 11.574, {7.323811, 51.471354}},
    {49, "Langendreer-Alt. Bahnhof", 4, 2.585, {7.296453, 51.474642}},
    {53, "Wiemelhausen/Brenschede", 5, 5.481, {7.230758, 51.454614}},
    {54, "Stiepel", 5, 12.535, {7.233447, 51.426494}},
    {55, "Querenburg", 5, 9.138, {7.267290, 51.448418}},
    {63, "Weitmar-Mitte", 6, 4.757, {7.195438, 51.453608}},
    {64, "Weitmar-Mark", 6, 5.174, {7.199972, 51.436871}},
    {65, "Linden", 6, 4.564, {7.170994, 51.425847}},
    {66, "Dahlhausen", 6, 5.063, {7.147660, 51.433248}},
}};

struct Campus {
  std::string_view name;
  std::string_view kind;
  std::int64_t poi_id;
  std::string_view address;
  LonLat position;
};

/// Universities, colleges and campuses. Positions and addresses are the Stadt Bochum POI entries
/// (StadtBochum/OpenData, bochum_schools.csv, CC0) as copied into
/// bochum_hochschulen_forschung.geojson; `kind` follows the POI category.
inline constexpr std::array<Campus, 12> campuses{{
    {"Ruhr-Universität Bochum",
     "Universität",
     282,
     "Universitätsstr. 150",
     {7.2604591, 51.4455509}},
    {"Hochschule Bochum", "Fachhochschule", 180, "Lennershofstr. 140", {7.2713815, 51.4478438}},
    {"Technische Hochschule Georg Agricola",
     "Private Fachhochschule",
     301,
     "Herner Str. 45",
     {7.2134965, 51.4880637}},
    {"Evangelische Hochschule Rheinland-Westfalen-Lippe",
     "Private Fachhochschule",
     179,
     "Immanuel-Kant-Str. 18-20",
     {7.2530204, 51.4737853}},
    {"Hochschule für Gesundheit",
     "Fachhochschule",
     253458,
     "Gesundheitscampus 6-8",
     {7.2466739, 51.4470182}},
    {"Gesundheitscampus NRW", "Campus", 200819, "Gesundheitscampus", {7.2478284, 51.4469365}},
    {"EBZ Business School",
     "Private Fachhochschule",
     28094,
     "Springorumallee 20",
     {7.2104303, 51.4523247}},
    {"FOM Hochschulzentrum Bochum",
     "Private Fachhochschule",
     318973,
     "Universitätsstr. 142",
     {7.2575952, 51.4447980}},
    {"Fachhochschule des Bundes, FB Sozialversicherung",
     "Fachhochschule",
     175126,
     "Knappschaftstr. 1",
     {7.2260291, 51.4572381}},
    {"Folkwang Universität der Künste, Schauspiel Bochum",
     "Kunsthochschule",
     275889,
     "Friederikastr. 4",
     {7.2253500, 51.4710316}},
    {"SAE Institute Bochum",
     "Private Fachhochschule",
     175486,
     "Springerplatz 1",
     {7.2068186, 51.4776381}},
    {"Uni-City Bochumer Fenster", "Campus", 246975, "Massenbergstr. 9-13", {7.2212590, 51.4806998}},
}};

struct BusinessPark {
  std::string_view name;
  std::string_view position_kind;  ///< "poi" (an official POI) or "approximate"
  double area_ha;                  ///< NaN where no published figure was found
  LonLat position;
};

/// Marks a number the sources do not give.
inline constexpr double unknown = std::numeric_limits<double>::quiet_NaN();

/// Business and innovation parks. "poi" positions are official Stadt Bochum POIs as chosen in
/// bochum_strategie_standorte.geojson (MARK 51°7: Makerspace at the O-Werk, Suttner-Nobel-Allee 4;
/// the Technologiequartier labels are assumptions there). MARK 51°7 ≈ 70 ha: metropole.ruhr.
/// Gewerbepark Hiltrop ≈ 10 ha and Lothringen ≈ 5.2 ha: WAZ, Bezirksvertretung Nord report (2018).
/// The "approximate" positions were placed by hand from street descriptions and are good to a few
/// hundred metres at best.
inline constexpr std::array<BusinessPark, 11> business_parks{{
    {"MARK 51°7 (O-Werk, Opelring 1)", "poi", 70.0, {7.2599398, 51.4656419}},
    {"Technologiezentrum Ruhr (Universitätsstr. 142)", "poi", unknown, {7.2578955, 51.4444697}},
    {"Technologiequartier (Lise-Meitner-Allee)", "poi", unknown, {7.2772113, 51.4508702}},
    {"ZESS Wissenschafts- und Gründerquartier", "poi", unknown, {7.2674566, 51.4694043}},
    {"World Factory (Frenkingstr. 14)", "poi", unknown, {7.2953682, 51.4773133}},
    {"Gewerbepark Hiltrop (Dietrich-Benking-Str.)", "approximate", 10.0, {7.2540, 51.5060}},
    {"Gewerbepark Lothringen (Gerthe)", "approximate", 5.2, {7.2920, 51.5200}},
    {"Gewerbepark Gerthe-Süd", "approximate", unknown, {7.2850, 51.5110}},
    {"Gewerbepark Zeche Holland (Wattenscheid)", "approximate", unknown, {7.1440, 51.4935}},
    {"Westpark / Jahrhunderthalle", "approximate", unknown, {7.2030, 51.4790}},
    {"Gewerbegebiet Riemke (Meesmannstr.)", "approximate", unknown, {7.2090, 51.5160}},
}};

struct Junction {
  std::string_view name;
  std::string_view motorway;
  std::string_view position_kind;  ///< "published" (Wikipedia infobox) or "approximate"
  LonLat position;
};

/// Motorway interchanges and junctions inside the city. Names and order from Wikipedia (A 448
/// junction list; Autobahnkreuz Bochum; Autobahnkreuz Bochum/Witten; Autobahndreieck Bochum-West)
/// and autobahnatlas-online.de (A 43). The former A 44 section east of Kreuz Bochum/Witten has been
/// part of the A 448 since 2017. Only the three interchanges have published coordinates; the other
/// positions were placed by hand along the motorway and are approximate.
inline constexpr std::array<Junction, 20> junctions{{
    {"Bochum-Wattenscheid-West", "A40", "approximate", {7.1225, 51.4762}},
    {"Bochum-Wattenscheid", "A40", "approximate", {7.1560, 51.4770}},
    {"Dreieck Bochum-West", "A40/A448", "published", {7.178611, 51.481944}},
    {"Bochum-Hamme", "A40", "approximate", {7.1960, 51.4885}},
    {"Bochum-Zentrum", "A40", "approximate", {7.2160, 51.4935}},
    {"Bochum-Stadion", "A40", "approximate", {7.2380, 51.4925}},
    {"Bochum-Harpen", "A40", "approximate", {7.2560, 51.4950}},
    {"Kreuz Bochum", "A40/A43", "published", {7.271111, 51.496667}},
    {"Bochum-Werne", "A40", "approximate", {7.2950, 51.4955}},
    {"Bochum-Riemke", "A43", "approximate", {7.2195, 51.5150}},
    {"Bochum-Gerthe", "A43", "approximate", {7.2620, 51.5005}},
    {"Bochum-Laer", "A43", "approximate", {7.2800, 51.4780}},
    {"Kreuz Bochum/Witten", "A43/A448", "published", {7.288333, 51.461667}},
    {"Bochum-Querenburg", "A43", "approximate", {7.2870, 51.4560}},
    {"Bochum-Stahlhausen", "A448", "approximate", {7.1850, 51.4740}},
    {"Bochum-Eppendorf", "A448", "approximate", {7.1900, 51.4640}},
    {"Bochum-Weitmar", "A448", "approximate", {7.2040, 51.4560}},
    {"Bochum-Süd", "A448", "approximate", {7.2200, 51.4540}},
    {"Bochum-Wiemelhausen/Ruhr-Universität", "A448", "approximate", {7.2360, 51.4570}},
    {"Bochum-Altenbochum", "A448", "approximate", {7.2520, 51.4650}},
}};

struct Station {
  std::string_view name;
  std::string_view kind;
  std::string_view position_kind;  ///< "stop" (VRR stop data), "published" or "approximate"
  LonLat position;
};

/// Rail stations. Bochum Hbf: VRR/EFA stop de:05911:5194 (SOURCES.md). Wattenscheid, Höntrop,
/// Dahlhausen and Langendreer: Wikipedia infobox coordinates. The others were placed by hand from
/// the street named in WAZ's 2022 "Bahnhofs-Check" series. Services: S1 (Höntrop, Ehrenfeld,
/// Langendreer West, Langendreer), S3 (Dahlhausen), RE/RB (Wattenscheid), RB 46 (West, Hamme,
/// Riemke).
inline constexpr std::array<Station, 10> stations{{
    {"Bochum Hbf", "Fernbahnhof", "stop", {7.2233352, 51.4794661}},
    {"Wattenscheid", "Regionalbahn", "published", {7.140000, 51.473611}},
    {"Wattenscheid-Höntrop", "S-Bahn", "published", {7.153889, 51.459722}},
    {"Bochum-Ehrenfeld", "S-Bahn", "approximate", {7.2100, 51.4745}},
    {"Bochum-Langendreer West", "S-Bahn", "approximate", {7.2990, 51.4780}},
    {"Bochum-Langendreer", "S-Bahn", "published", {7.313889, 51.477778}},
    {"Bochum-Dahlhausen", "S-Bahn", "published", {7.142222, 51.426389}},
    {"Bochum West", "Regionalbahn", "approximate", {7.2080, 51.4800}},
    {"Bochum-Hamme", "Regionalbahn", "approximate", {7.2035, 51.4950}},
    {"Bochum-Riemke", "Regionalbahn", "approximate", {7.2065, 51.5175}},
}};

}  // namespace standort::demo

// Public facts about Bochum that the demo-data generator turns into layers (outline, districts and
// their centres, campuses, research, business parks, transport, community places, water, protected
// areas, school-type shares). Positions are WGS84 lon/lat; each table names its source.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
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

struct ResearchSite {
  std::string_view name;  ///< as in the POI entry
  std::string_view kind;
  std::int64_t poi_id;
  std::string_view address;
  LonLat position;
};

/// Research institutes and university/college sites: the 43 points of
/// bochum_hochschulen_forschung.geojson (Stadt Bochum POI database, StadtBochum/OpenData,
/// bochum_schools.csv, retrieved 2023-10-17, CC0 1.0; see SOURCES.md) without the 12 POIs already
/// in `campuses` (same poi_id; the generator checks that none is left) and without POI 335687
/// (Akademisches Förderungswerk KULTUR, a student-services body). They are kept apart from the
/// campuses so that a site is not counted twice. `kind` follows the POI category:
/// "Forschungseinrichtung" (Wissenschaft und Forschung), "Hochschuleinrichtung" (Hochschulen,
/// Staatliche Universitäten, Fernuniversität) and "Private Hochschule" (Private Fachhochschulen).
/// Five of the positions (ZESS, Makerspace, ZTG, World Factory, isits) also place business parks.
inline constexpr std::array<ResearchSite, 30> research_sites{{
    {"Zess Wissenschafts- und Gründerquartier",
     "Forschungseinrichtung",
     610168,
     "Hans-Dobbertin-Str. 8",
     {7.2674566, 51.4694043}},
    {"Makerspace/FabLab (Ruhr-Universität Bochum)",
     "Forschungseinrichtung",
     609282,
     "Suttner-Nobel-Allee 4",
     {7.2599398, 51.4656419}},
    {"Zentrum für schulpraktische Lehrerausbildung Bochum",
     "Hochschuleinrichtung",
     607902,
     "Lennershofstr. 50",
     {7.2694700, 51.4481573}},
    {"Proteinforschungszentrum ProDi",
     "Forschungseinrichtung",
     436390,
     "Gesundheitscampus 4",
     {7.2471489, 51.4473940}},
    {"Interdiszipinäres Institut für Forschung und Lehre",
     "Forschungseinrichtung",
     386073,
     "Gudrunstr. 56",
     {7.2293598, 51.4939068}},
    {"ZTG Zentrum für Telematik und Telemedizin GmbH",
     "Forschungseinrichtung",
     349669,
     "Universitätsstr. 142",
     {7.2578955, 51.4444697}},
    {"CAIS - Center for Advanced Internet Studies",
     "Forschungseinrichtung",
     349656,
     "Universitätsstr. 104",
     {7.2337269, 51.4617967}},
    {"World Factory (Ruhr-Universität)",
     "Forschungseinrichtung",
     349636,
     "Frenkingstr. 14",
     {7.2953682, 51.4773133}},
    {"Centrum für seltene Erkrankungen Ruhr (CeSER)",
     "Forschungseinrichtung",
     349603,
     "Alexandrinenstr. 5",
     {7.2311958, 51.4903914}},
    {"iba Internationale Berufsakademie",
     "Private Hochschule",
     318977,
     "Universitätsstr. 125",
     {7.2273554, 51.4694433}},
    {"isits AG International School of IT Security",
     "Hochschuleinrichtung",
     318882,
     "Lise-Meitner-Allee 4",
     {7.2772113, 51.4508702}},
    {"IBKN - Institut für Bildung, Kultur und Nachhaltige Entwicklung",
     "Hochschuleinrichtung",
     275962,
     "Am Hochschulcampus 1",
     {7.2712819, 51.4478153}},
    {"Universitätsforum (UFO)",
     "Hochschuleinrichtung",
     255740,
     "Querenburger Höhe 283",
     {7.2591669, 51.4481216}},
    {"Studierenden-Service-Center (SSC)",
     "Hochschuleinrichtung",
     255683,
     "Universitätsstr. 150",
     {7.2607694, 51.4464728}},
    {"Folkwang Institut für Populäre Musik der Folkwang Universität der Künste",
     "Hochschuleinrichtung",
     255678,
     "Prinz-Regent-Str. 50 - 60",
     {7.2174148, 51.4507495}},
    {"Zentrum für klinische Forschung (ZKF)",
     "Hochschuleinrichtung",
     255668,
     "Universitätsstr. 150",
     {7.2577130, 51.4454832}},
    {"TestDaF-Institut",
     "Hochschuleinrichtung",
     255666,
     "Universitätsstr. 134",
     {7.2557333, 51.4449411}},
    {"ZEMOS Zentrum für molekulare Spektroskopie und Simulation solvensgesteuerter Prozesse",
     "Hochschuleinrichtung",
     254127,
     "Universitätsstr. 150",
     {7.2681378, 51.4457096}},
    {"Uni-City-Gebäude Blue Square",
     "Hochschuleinrichtung",
     239945,
     "Kortumstr. 90",
     {7.2176301, 51.4817957}},
    {"Landeszentrum Gesundheit Nordrhein-Westfalen (LZG.NRW)",
     "Forschungseinrichtung",
     200816,
     "Gesundheitscampus-Süd 9",
     {7.2499381, 51.4455831}},
    {"RUB, Fakultät für Sportwissenschaft",
     "Hochschuleinrichtung",
     200807,
     "Gesundheitscampus-Nord 10",
     {7.2452039, 51.4478235}},
    {"Verwaltungs- und Wirtschafts-Akademie Bochum (VWA), gemeinnützige GmbH",
     "Private Hochschule",
     175791,
     "Universitätsstr. 142",
     {7.2577609, 51.4446026}},
    {"InWIS Forschung & Beratung GmbH",
     "Forschungseinrichtung",
     174966,
     "Springorumallee 5",
     {7.2109551, 51.4532590}},
    {"Veranstaltungszentrum Ruhr-Universität Bochum",
     "Hochschuleinrichtung",
     174888,
     "Universitätsstr. 150",
     {7.2624573, 51.4429547}},
    {"Interdisciplinary Centre for Advanced Materials Simulation ICAMS",
     "Forschungseinrichtung",
     29755,
     "Universitätsstr. 150",
     {7.2641389, 51.4468015}},
    {"Internationales Geothermiezentrum",
     "Forschungseinrichtung",
     29752,
     "Am Hochschulcampus 1",
     {7.2734820, 51.4463370}},
    {"Ruhr-Forschungsinstitut für Innovations- und Strukturpolitik RUFIS",
     "Forschungseinrichtung",
     29743,
     "Universitätsstr. 150",
     {7.2641407, 51.4475120}},
    {"Institut für Gefahrstoff-Forschung (IGF)",
     "Forschungseinrichtung",
     29604,
     "Waldring 97",
     {7.2175481, 51.4635842}},
    {"Institut für Diaspora- und Genozidforschung",
     "Forschungseinrichtung",
     29596,
     "Universitätsstr. 150",
     {7.2638254, 51.4436854}},
    {"Botanischer Garten Bochum",
     "Forschungseinrichtung",
     687,
     "Universitätsstr. 150",
     {7.2657794, 51.4411064}},
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

struct SchoolType {
  std::string_view name;
  int poi_count;  ///< schools of this type in the POI database
};

/// The mix of school types behind the synthetic schools (only the proportions are used; no real
/// school is placed). Counts of the primary POI category of the Stadt Bochum POI database
/// (StadtBochum/OpenData, bochum_schools.csv, retrieved 2023-10-17, CC0 1.0), de-duplicated by
/// poi_id as in bochum_bildung_poi.geojson: Grundschulen 49; weiterführende Schulen = Gymnasien 11
/// + Realschulen 6 + Gesamtschulen 5 + Sekundarschulen 3 + Hauptschulen 2; Berufskollegs 15;
/// Förderschulen 14 + private Förderschulen 1.
inline constexpr std::array<SchoolType, 4> school_types{{
    {"Grundschule", 49},
    {"weiterführende Schule", 27},
    {"Berufskolleg", 15},
    {"Förderschule", 15},
}};

struct CentrePosition {
  int district;  ///< stat_bezirk_nr
  std::string_view place;
  std::string_view source;
  LonLat position;
};

/// Published coordinates for the main district centres, used instead of the district's area
/// centroid. The Wikipedia positions are the coordinates of the Stadtteil's (or building's)
/// article; the Uni-Center is placed at the Universitätsforum, which belongs to it. Each lies
/// inside its official statistical district (checked against bochum_statistische_bezirke.geojson).
/// Gerthe's article coordinate (51° 30′ 59″ N, 7° 16′ 20″ O) falls in Bergen/Hiltrop, so district
/// 37 keeps its centroid.
inline constexpr std::array<CentrePosition, 7> centre_positions{{
    {11,
     "Innenstadt, Rathaus",
     "Wikipedia, Bochum (51° 28′ 55″ N, 7° 12′ 57″ O)",
     {7.215833, 51.481944}},
    {25,
     "Alter Markt, Propsteikirche St. Gertrud",
     "Wikipedia, Propsteikirche St. Gertrud von Brabant (51° 28′ 50″ N, 7° 7′ 57″ O)",
     {7.132500, 51.480556}},
    {48,
     "Langendreer",
     "Wikipedia, Langendreer (51° 28′ 24″ N, 7° 19′ 29″ O)",
     {7.324722, 51.473333}},
    {55,
     "Querenburg, Uni-Center",
     "Stadt Bochum POI 255740 (Universitätsforum, part of the Uni-Center), CC0",
     {7.2591669, 51.4481216}},
    {63, "Weitmar", "Wikipedia, Weitmar (51° 27′ 8″ N, 7° 11′ 32″ O)", {7.192222, 51.452222}},
    {65,
     "Linden",
     "Wikipedia, Linden (Bochum) (51° 25′ 34″ N, 7° 9′ 38″ O)",
     {7.160556, 51.426111}},
    {66,
     "Dahlhausen",
     "Wikipedia, Dahlhausen (Bochum) (51° 25′ 36″ N, 7° 8′ 38″ O)",
     {7.143889, 51.426667}},
}};

struct Facility {
  std::string_view name;
  std::string_view kind;    ///< "culture", "green", "sport" or "community"
  std::string_view source;  ///< where the coordinate comes from
  LonLat position;
};

/// Well-known culture, green, sport and community places. Every position is approximate: where a
/// public page gives coordinates, `source` names it; "approximate, from memory" marks positions
/// placed by hand without a checked coordinate (possibly several hundred metres off).
inline constexpr std::array<Facility, 24> facilities{{
    {"Schauspielhaus Bochum",
     "culture",
     "aroundus.com, Schauspielhaus Bochum (GPS coordinates)",
     {7.216670, 51.472500}},
    {"Deutsches Bergbau-Museum",
     "culture",
     "ruhrpottpedia.de, Deutsches Bergbau-Museum (Geodaten)",
     {7.216028, 51.488832}},
    {"Zeiss Planetarium Bochum",
     "culture",
     "mensa.de event page, Zeiss Planetarium Bochum (Koordinaten)",
     {7.228527, 51.490288}},
    {"Jahrhunderthalle Bochum", "culture", "approximate, from memory", {7.2040, 51.4787}},
    {"Starlight Express Theater",
     "culture",
     "Wikipedia, Starlight Express Theater (51° 29′ 33,5″ N, 7° 14′ 3,2″ O)",
     {7.234222, 51.492639}},
    {"RuhrCongress Bochum",
     "culture",
     "approximate, from memory (beside the Starlight Express Theater)",
     {7.2358, 51.4934}},
    {"Kunstmuseum Bochum",
     "culture",
     "lobafedo.de, Kunstmuseum Bochum (navigation coordinates)",
     {7.2210771, 51.4873652}},
    {"Anneliese Brost Musikforum Ruhr",
     "culture",
     "Wikipedia, Anneliese Brost Musikforum Ruhr (51.4775° N, 7.21486° O)",
     {7.214860, 51.477500}},
    {"LWL-Industriemuseum Zeche Hannover",
     "culture",
     "opencaching.de, cache OC15A15 at the museum (N 51° 30.355′, E 7° 09.764′)",
     {7.162733, 51.505917}},
    {"Eisenbahnmuseum Bochum-Dahlhausen",
     "culture",
     "approximate, from memory (Dr.-C.-Otto-Str. 191, by the Ruhr near Dahlhausen station)",
     {7.1445, 51.4240}},
    {"Situation Kunst (für Max Imdahl), Schlosspark Weitmar",
     "culture",
     "approximate, from memory",
     {7.2020, 51.4512}},
    {"Zeche Bochum",
     "culture",
     "Stadt Bochum POI 255678 at the same address, Prinz-Regent-Str. 50-60 (CC0)",
     {7.2174148, 51.4507495}},
    {"Kulturzentrum Bahnhof Langendreer",
     "culture",
     "at the S-Bahn stop Bochum-Langendreer (Wikipedia coordinates, as in rail_stations)",
     {7.313889, 51.477778}},
    {"Rathaus Bochum",
     "community",
     "Wikipedia, Bochum (51° 28′ 55″ N, 7° 12′ 57″ O)",
     {7.215833, 51.481944}},
    {"Rathaus Wattenscheid", "community", "approximate, from memory", {7.1335, 51.4795}},
    {"Stadtpark Bochum",
     "green",
     "approximate, from memory (beside the Tierpark)",
     {7.2235, 51.4900}},
    {"Tierpark + Fossilium Bochum",
     "green",
     "Wikipedia, Tierpark und Fossilium Bochum (51° 29′ 26″ N, 7° 13′ 38″ O)",
     {7.227222, 51.490556}},
    {"Westpark",
     "green",
     "approximate, from memory (around the Jahrhunderthalle)",
     {7.2005, 51.4805}},
    {"Kortum-Park (Alter Friedhof Wittener Straße)",
     "green",
     "approximate, from memory",
     {7.2290, 51.4775}},
    {"Botanischer Garten der Ruhr-Universität",
     "green",
     "Stadt Bochum POI 687 (CC0)",
     {7.2657794, 51.4411064}},
    {"Kemnader See, Freizeitzentrum Kemnade (Oveney)",
     "green",
     "ruhrpottpedia.de, Kemnader See (Geodaten of the Oveneystraße address)",
     {7.253033, 51.419868}},
    {"Tippelsberg",
     "green",
     "wieland-herrmann.de, Tippelsberg (51° 30′ 21.4″ N, 7° 13′ 43.5″ E)",
     {7.228750, 51.505944}},
    {"Vonovia Ruhrstadion",
     "sport",
     "Wikipedia, Ruhrstadion (51° 29′ 23,7″ N, 7° 14′ 11,5″ O)",
     {7.236528, 51.489917}},
    {"Lohrheidestadion Wattenscheid", "sport", "approximate, from memory", {7.1265, 51.4875}},
}};

struct RiverReach {
  std::string_view name;
  LonLat from;  ///< projected onto the city outline
  LonLat to;    ///< projected onto the city outline
};

/// Where the Ruhr forms the city boundary; the generator draws the reach along the outline between
/// the two points. Wikipedia, Dahlhausen (Bochum): a large part of Dahlhausen's boundary is the
/// Ruhr, with Essen-Burgaltendorf on the other bank; the reach runs from the western city corner
/// to Dahlhausen's southern tip. Wikipedia, Winz-Baak and Baak (Hattingen): these lie north of the
/// Ruhr and border Linden, so between about 7.15° and 7.20° E the river runs inside Hattingen,
/// away from the boundary. Wikipedia, Naturschutzgebiet Ruhraue Stiepel: the reserve lies between
/// the Ruhr (south) and Rauendahlstraße/Brockhauser Straße, from Rauendahl to Alter Fähre; the
/// Stiepel reach runs from there to the Kemnader See weir (ruhrpottpedia.de, Kemnader See:
/// 51.419868, 7.253033, the Oveney address by the weir). Where a reach starts and ends is placed
/// by hand and good to a few hundred metres.
inline constexpr std::array<RiverReach, 2> ruhr_reaches{{
    {"Ruhr (Dahlhausen)", {7.1195381, 51.4308225}, {7.1462639, 51.4218580}},
    {"Ruhr (Stiepel)", {7.2000, 51.4183}, {7.253033, 51.419868}},
}};

/// Width of the drawn Ruhr band; the river is about 80-120 m wide along Bochum.
inline constexpr double ruhr_width_m = 100.0;

/// Centre line of the Kemnader See, hand-drawn from the weir (west, Oveney) through the article
/// coordinate to the east end north of the Herbeder Ruhrbrücke. Wikipedia, Kemnader See:
/// 51° 25′ 23″ N, 7° 15′ 59″ O; length 3 km, mean width 420 m, area 1.25 km². Wikipedia,
/// Herbeder Ruhrbrücke: 51° 25′ 36,9″ N, 7° 17′ 19,8″ O. Sparkasse Witten magazine,
/// "Freizeitzentrum Kemnader See": the Bochum-Witten boundary runs through the middle of the lake.
inline constexpr std::array<LonLat, 6> kemnader_see_centreline{{
    {7.2550, 51.4188},
    {7.2600, 51.4220},
    {7.2664, 51.4232},
    {7.2740, 51.4250},
    {7.2800, 51.4268},
    {7.2860, 51.4283},
}};
inline constexpr double kemnader_see_width_m = 420.0;

inline constexpr std::array<LonLat, 10> ruhraue_stiepel_ring{{
    {7.1975, 51.4150},
    {7.1990, 51.4218},
    {7.2100, 51.4232},
    {7.2200, 51.4210},
    {7.2300, 51.4180},
    {7.2380, 51.4165},
    {7.2395, 51.4120},
    {7.2380, 51.4080},
    {7.2290, 51.4080},
    {7.2000, 51.4140},
}};
inline constexpr std::array<LonLat, 7> tippelsberg_ring{{
    {7.2290, 51.5128},
    {7.2320, 51.5160},
    {7.2380, 51.5172},
    {7.2440, 51.5160},
    {7.2450, 51.5135},
    {7.2400, 51.5110},
    {7.2330, 51.5105},
}};
inline constexpr std::array<LonLat, 8> oberes_oelbachtal_ring{{
    {7.2976, 51.4990},
    {7.2998, 51.4987},
    {7.3026, 51.5040},
    {7.3030, 51.5100},
    {7.3026, 51.5140},
    {7.3004, 51.5142},
    {7.2996, 51.5090},
    {7.2982, 51.5040},
}};
inline constexpr std::array<LonLat, 5> koenigsbuescher_waeldchen_ring{{
    {7.2760, 51.4476},
    {7.2772, 51.4497},
    {7.2832, 51.4494},
    {7.2838, 51.4474},
    {7.2800, 51.4468},
}};
inline constexpr std::array<LonLat, 4> lottental_ring{{
    {7.2676, 51.4323},
    {7.2677, 51.4352},
    {7.2707, 51.4358},
    {7.2715, 51.4328},
}};
inline constexpr std::array<LonLat, 6> weitmarer_holz_ring{{
    {7.2010, 51.4440},
    {7.2000, 51.4470},
    {7.2040, 51.4495},
    {7.2100, 51.4485},
    {7.2110, 51.4455},
    {7.2070, 51.4435},
}};

struct ProtectedArea {
  std::string_view name;
  std::string_view kind;    ///< "Naturschutzgebiet", "Landschaftsschutzgebiet" or "Wald"
  std::string_view nsg_id;  ///< LANUV NRW identifier, empty if none
  double official_area_ha;  ///< NaN where no published figure was found
  std::string_view source;
  std::span<const LonLat> ring;  ///< hand-drawn outer ring, clipped to the city outline
};

/// Nature reserves and a forest. The rings are hand-drawn around the published location and sized
/// to about the published area; they are approximate and may be a few hundred metres off. Areas:
/// LANUV NRW, Naturschutzinformationen (BO-002 53.00 ha, BO-005 13.00 ha, BO-009 194.31 ha
/// digitised), aku-bochum.de "Bochumer Naturschutzgebiete" (2013; BO-004 37.12 ha, BO-006 7.29 ha).
inline constexpr std::array<ProtectedArea, 6> protected_areas{{
    {"NSG Ruhraue Stiepel", "Naturschutzgebiet", "BO-009", 194.31,
     "Wikipedia, Naturschutzgebiet Ruhraue Stiepel (51° 25′ 9″ N, 7° 12′ 38″ O; between the Ruhr "
     "and "
     "Rauendahlstraße/Brockhauser Straße, Rauendahl to Alter Fähre)",
     ruhraue_stiepel_ring},
    {"NSG Tippelsberg/Berger Mühle", "Naturschutzgebiet", "BO-002", 53.00,
     "LANUV NRW, NSG BO-002 (in Riemke, bordering the A 43 to the north); north of the Tippelsberg "
     "(wieland-herrmann.de: 51° 30′ 21.4″ N, 7° 13′ 43.5″ E)",
     tippelsberg_ring},
    {"NSG Oberes Oelbachtal", "Naturschutzgebiet", "BO-004", 37.12,
     "Wikipedia, Naturschutzgebiet Oberes Oelbachtal (between Gerthe and Kirchharpen, on the "
     "Dortmund boundary); Stadt Bochum (Berghofer Holz in the south)",
     oberes_oelbachtal_ring},
    {"NSG Königsbüscher Wäldchen", "Naturschutzgebiet", "BO-005", 13.00,
     "Wikipedia, Naturschutzgebiet Königsbüscher Wäldchen (51° 26′ 54″ N, 7° 16′ 47″ O)",
     koenigsbuescher_waeldchen_ring},
    {"NSG Waldsiepen Hevener Straße / Im Lottental", "Naturschutzgebiet", "BO-006", 7.29,
     "aku-bochum.de (name, area); position approximate, from memory (Lottental, Querenburg)",
     lottental_ring},
    {"Weitmarer Holz", "Wald", "", unknown,
     "fotoreiseberichte.de and Wikipedia, Weitmar-Mark (forest in Weitmar-Mark, across the "
     "Hattinger "
     "Straße from the Schlosspark); position approximate, from memory",
     weitmarer_holz_ring},
}};

}  // namespace standort::demo

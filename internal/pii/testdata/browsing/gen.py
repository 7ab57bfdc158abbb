#!/usr/bin/env python3
"""Writes browsing.txt: labelled browsing texts for PERSON and STREET_ADDRESS.

Hand-written page templates (account headers, checkouts, delivery and
booking pages, webmail, invoices, profile pages) are filled with hand-written
names and postal addresses of eight countries; the look-alike negatives at
the end are hand-written one by one. Markup: [[TYPE|value]]; a line starting
with "!" is a look-alike negative (nothing may be found). Deterministic:
re-running gives the same file.
"""
import random

R = random.Random(14)

PEOPLE = {
    "US": ["Emily Johnson", "Michael Carter", "Jessica Ramirez", "David Thompson", "Ashley Nguyen", "Brian O'Neill", "Sarah Mitchell", "Kevin Patel"],
    "UK": ["Oliver Bennett", "Charlotte Hughes", "Harry Whitfield", "Amelia Clarke", "George Pemberton", "Sophie Turnbull", "Thomas Ashworth", "Lucy Davies"],
    "DE": ["Lukas Schneider", "Anna Becker", "Jonas Hoffmann", "Lea Wagner", "Maximilian Krüger", "Sophie Schäfer", "Felix Zimmermann", "Hannah Braun"],
    "FR": ["Camille Dubois", "Lucas Moreau", "Chloé Lefèvre", "Hugo Laurent", "Manon Girard", "Julien Fontaine", "Léa Rousseau", "Antoine Mercier"],
    "ES": ["Lucía García", "Javier Fernández", "Carmen Ruiz", "Alejandro Moreno", "Sofía Navarro", "Pablo Herrera", "Elena Castillo", "Diego Romero"],
    "IT": ["Giulia Rossi", "Marco Bianchi", "Francesca Romano", "Luca Ferrari", "Chiara Esposito", "Matteo Ricci", "Martina Colombo", "Alessandro Greco"],
    "NL": ["Daan de Vries", "Sanne Jansen", "Lars van Dijk", "Emma Bakker", "Thijs Visser", "Fleur Smit", "Bram de Boer", "Lotte Mulder"],
    "IN": ["Priya Sharma", "Rahul Verma", "Ananya Iyer", "Arjun Mehta", "Sneha Reddy", "Vikram Singh", "Kavya Nair", "Rohan Gupta"],
}

ADDRESSES = {
    "US": ["1842 Maple Avenue, Springfield, IL 62704", "350 Fifth Avenue, New York, NY 10118", "77 Lakeview Drive, Austin, TX 78701",
           "2210 Cedar Lane, Portland, OR 97205", "19 Harbor Road, Boston, MA 02110", "4502 Sunset Boulevard, Los Angeles, CA 90027",
           "88 Elm Street, Apt 4B, Denver, CO 80203", "615 Peachtree Street NE, Atlanta, GA 30308"],
    "UK": ["14 Baker Street, London NW1 6XE", "Flat 3, 27 Victoria Road, Manchester M14 5AP", "8 Queen's Crescent, Edinburgh EH9 2AZ",
           "112 High Street, Oxford OX1 4BG", "45 Church Lane, Leeds LS6 4NP", "3 Station Road, Cambridge CB1 2JW",
           "61 Kingsway, Cardiff CF10 3AH", "22 Mill Lane, Bristol BS3 4DX"],
    "DE": ["Lindenstraße 12, 10115 Berlin", "Hauptstraße 45, 69117 Heidelberg", "Goethestraße 8, 80336 München",
           "Berliner Allee 23, 40212 Düsseldorf", "Am Markt 3, 28195 Bremen", "Schillerweg 17, 04109 Leipzig",
           "Königsallee 92, 40212 Düsseldorf", "Bahnhofstraße 5, 70173 Stuttgart"],
    "FR": ["12 rue des Lilas, 69002 Lyon", "45 avenue Victor Hugo, 75016 Paris", "8 boulevard de la Liberté, 59000 Lille",
           "27 rue Sainte-Catherine, 33000 Bordeaux", "3 place du Capitole, 31000 Toulouse", "19 rue de la République, 13001 Marseille",
           "6 impasse des Tilleuls, 44000 Nantes", "101 avenue Jean Jaurès, 67000 Strasbourg"],
    "ES": ["Calle Mayor 5, 2º, 28013 Madrid", "Carrer de Mallorca 214, 08008 Barcelona", "Avenida de la Constitución 18, 41001 Sevilla",
           "Calle Larios 9, 29005 Málaga", "Paseo de Gracia 43, 08007 Barcelona", "Calle de Alcalá 120, 28009 Madrid",
           "Plaza del Ayuntamiento 2, 46002 Valencia", "Calle San Fernando 31, 41004 Sevilla"],
    "IT": ["Via Roma 12, 00184 Roma", "Via Garibaldi 7, 10122 Torino", "Corso Buenos Aires 33, 20124 Milano",
           "Piazza Navona 45, 00186 Roma", "Via dei Servi 21, 50122 Firenze", "Viale Mazzini 140, 00195 Roma",
           "Via Toledo 256, 80134 Napoli", "Via San Vitale 58, 40125 Bologna"],
    "NL": ["Keizersgracht 123, 1015 CJ Amsterdam", "Oudegracht 88, 3511 AV Utrecht", "Coolsingel 40, 3011 AD Rotterdam",
           "Prinsengracht 263, 1016 GV Amsterdam", "Lange Voorhout 9, 2514 EA Den Haag", "Stationsplein 12, 9726 AE Groningen",
           "Vismarkt 15, 9712 CA Groningen", "Breestraat 70, 2311 CS Leiden"],
    "IN": ["Flat No. 12, MG Road, Bengaluru 560001", "221 Park Street, Kolkata 700016", "House No. 45, Lajpat Nagar, New Delhi 110024",
           "14 Marine Drive, Mumbai 400020", "Plot 7, Anna Salai, Chennai 600002", "56 Residency Road, Bengaluru 560025",
           "Flat 3B, 18 Carter Road, Bandra West, Mumbai 400050", "32 Linking Road, Santacruz West, Mumbai 400054"],
}

P = "[[PERSON|{}]]"
A = "[[STREET_ADDRESS|{}]]"

# Templates: {n} a name, {a} an address, {f} a first name.
TEMPLATES = [
    "Signed in as {n} · Account settings · Sign out",
    "Welcome back, {n}! Your orders and saved items",
    "Hi {f}, your order has shipped — track your parcel",
    "Checkout | Ship to: {n}, {a} | Change",
    "Delivery address\\n{n}\\n{a}\\nEdit · Remove",
    "Bill to: {n} — Invoice INV-20931 — Billing address: {a}",
    "Booking confirmed for passenger {n}. Pick-up at {a} at 09:40.",
    "Dear {n}, thank you for your reservation at our hotel.",
    "From: {n} · Subject: Re: flat viewing on Saturday · Inbox",
    "Profile · Name: {n} · Home address: {a} · Save changes",
    "Your parcel for {n} will be delivered to {a} tomorrow between 10:00 and 14:00",
    "Invoice #4471 | Customer: {n} | Address: {a} | Total due",
    "Patient: {n} — appointment reminder, Dr. Practice, {a}",
    "Order summary — Deliver to {n}, {a}. Estimated arrival Friday.",
    "{n} shared a document with you · Google Drive",
    "Hello {f}, complete your profile to get personalised offers",
    "My account › Addresses › Default: {a}",
    "Ride receipt — Thanks for riding, {f}. Dropped off at {a}",
    "Tenant: {n}. Property: {a}. Monthly rent due on the 1st.",
    "Gift message from {n}: Happy birthday! Shipping to {a}",
]

def fill(t, country):
    n = R.choice(PEOPLE[country])
    a = R.choice(ADDRESSES[country])
    f = n.split()[0]
    return t.replace("{n}", P.format(n)).replace("{a}", A.format(a)).replace("{f}", P.format(f))

lines = ["# Labelled browsing texts for PERSON and STREET_ADDRESS (written by gen.py; see its comment).",
         "# [[TYPE|value]] marks an entity; a line starting with '!' is a look-alike negative."]
for country in PEOPLE:
    lines.append("# --- " + country + " ---")
    for t in TEMPLATES:
        lines.append(fill(t, country))
    for t in R.sample(TEMPLATES, 18):
        lines.append(fill(t, country))

NEGATIVES = """
Abbey Road (Remastered 2019) — The Beatles | Spotify
Baker Street (1978 single) — lyrics and chords
Penny Lane — song history and meaning
Electric Avenue (Official Video) - YouTube
Main Street Capital Corporation (MAIN) stock price and news
The Wall Street Journal — Breaking News, Business, Financial
Wall Street Journal subscription offer: 12 weeks for $12
Park Avenue Armory — upcoming performances
Sunset Boulevard (1950) — IMDb
Mulholland Drive (2001) - Rotten Tomatoes
A Nightmare on Elm Street — streaming guide
Miracle on 34th Street (1947) cast and crew
Jurassic Park 3 — trailer and reviews
Notting Hill (1999) — full cast
Green Street Hooligans — film review
Street Fighter 6 — character tier list for season 2
Shopping on Oxford Street: the best department stores in London
Walking tour: Champs-Élysées, Rue de Rivoli and the Louvre
Las Ramblas and Passeig de Gràcia: Barcelona's famous streets
Fifth Avenue Christmas windows 2024 — a guide
Via del Corso shopping guide — Rome's main street
Kurfürstendamm: Berlin's shopping boulevard explained
Portobello Road Market opening times and tips
Things to do near Times Square this weekend
Grafton Street buskers and shops — Dublin travel
Nine Streets Amsterdam: boutiques along the canals
Top 10 things to do in Paris in spring
Best rooftop bars in Madrid — Gran Vía and beyond
Abbey Road Studios tour — book tickets
Carnaby Street fashion history
Regent Street Christmas lights switch-on 2024
Broadway shows this week: tickets and reviews
Bourbon Street nightlife guide — New Orleans
Lombard Street, San Francisco: the crookedest street
Hollywood Walk of Fame — visitor information
Royal Mile Edinburgh — what to see
Königsallee luxury shopping in Düsseldorf
Galleria Vittorio Emanuele II — Milan's shopping arcade
Kalverstraat and Leidsestraat shopping — Amsterdam
Connaught Place shopping — New Delhi travel guide
Marine Drive sunset — Mumbai's Queen's Necklace
Commercial Street market, Bengaluru — bargain guide
Rue Saint-Honoré boutiques — Paris fashion
Gran Vía Madrid — theatres and shops
iPhone 15 Pro Max 256 GB — compare prices
Samsung Galaxy S24 Ultra review: the best Android phone
Sony WH-1000XM5 headphones — deals
MacBook Air M3 13-inch — technical specifications
Nike Air Max 90 — men's shoes
Dyson V15 Detect vacuum — 2 year warranty
Canon EOS R6 Mark II body — in stock
Instant Pot Duo 7-in-1 — recipes
Kindle Paperwhite Signature Edition
PlayStation 5 Slim Digital Edition bundle
Ford Mustang Mach-E range and charging
Tesla Model 3 Highland — first drive
Volkswagen Golf GTI Clubsport 2024 review
Rolex Submariner Date 126610LN price guide
LEGO Star Wars Millennium Falcon 75192
The New York Times — International Edition
The Guardian — latest news and comment
Financial Times: markets, companies, opinion
Le Monde — actualités en continu
El País — noticias de última hora
Corriere della Sera — ultime notizie
Süddeutsche Zeitung — Nachrichten aus München
De Telegraaf — nieuws, sport en entertainment
The Times of India — latest news
Washington Post: politics and opinion
Goldman Sachs quarterly results beat estimates
Morgan Stanley wealth management login
Wells Fargo online banking — sign on
Bank of America mobile app features
Deutsche Bank Aktie — Kurs und Nachrichten
BNP Paribas résultats annuels
Banco Santander — particulares
Tata Consultancy Services careers
Reliance Industries share price today
Infosys quarterly revenue guidance
Apple Pay now supports more banks in Europe
Amazon Prime Video — new releases this month
Spotify Wrapped 2024 is here
Netflix top 10 shows this week
Microsoft Teams meeting — join now
Google Maps — directions, traffic and transit
Booking.com — hotels in Lyon from €59
Airbnb — stays in Barcelona, Gothic Quarter
Tripadvisor: Rome restaurants near the Trevi Fountain
Hotel Adlon Kempinski Berlin — rooms and suites
The Ritz London afternoon tea booking
Eiffel Tower tickets — skip the line
Sagrada Família opening hours and prices
Colosseum and Roman Forum guided tour
Rijksmuseum Amsterdam — plan your visit
Taj Mahal sunrise tour from Delhi
Brandenburg Gate history — Berlin travel
Golden Gate Bridge parking and viewpoints
Central Park bike rental prices
Hyde Park Winter Wonderland tickets
Victoria Station to Gatwick — train times
Paris Gare de Lyon departures
Florence cathedral dome climb — booking
Georgia travel guide: Tbilisi and the Caucasus
Jordan itinerary: Petra, Wadi Rum and the Dead Sea
Chelsea Flower Show 2025 tickets
Grace Period for credit card payments explained
Will the Fed cut rates in December?
May Day bank holiday 2025 opening times
Black Friday deals on laptops and TVs
Rose Garden planting guide for beginners
Hope Street Festival programme
Victoria Secret Fashion Show returns
Dallas Cowboys vs Philadelphia Eagles highlights
Houston Rockets roster 2024-25
Phoenix Suns schedule and tickets
Jackson Hole ski resort conditions
Lincoln Navigator 2025 price
Chase Sapphire Preferred card benefits
Harley-Davidson Street Glide 2024 specs
Marks & Spencer food hall opening hours
Johnson & Johnson consumer health news
Victoria line closure this weekend — TfL
Paddington 2 — family film review
Downton Abbey: A New Era — where to watch
Stranger Things season 5 release date
Game of Thrones filming locations in Dubrovnik
The Lord of the Rings: The Two Towers extended edition
Star Wars: The Rise of Skywalker streaming
""".strip().splitlines()

# One positive or more for each rule that reads names from structure rather
# than from a cue (lists, firms, dialogues, verbs, vocatives, works), and
# negatives beside them that the same rule must leave alone.
RULES = """
Top comment: regular commenter [[PERSON|Ryan Fernandes]] points out that the fee is refundable
"We are fully booked until March," says [[PERSON|Kendall]], who runs the guesthouse.
Order for [[PERSON|Tatiana Zhelyabova]] is ready for collection
Seller feedback: great packaging, [[PERSON|Kuzmenkova]] replied within the hour
Our founders: [[PERSON|Hollis]], [[PERSON|Brandt]] and [[PERSON|Kessler]] started the shop in a garage
Album shared with [[PERSON|Ilvana]] and [[PERSON|Thomas]] · Google Photos
Group chat\\n[[PERSON|Odalys]]: Are you coming tonight?\\n[[PERSON|Destiny]]: Yes, see you at eight
[[PERSON|Zorenka]] lives on the third floor, ring twice
[[PERSON|Odvina]], can you confirm the delivery slot for Tuesday?
Your table is booked. See you on Friday, [[PERSON|Melody]]!
Book club this month: the [[PERSON|Okafor]] novel everyone recommends
gift list: [[PERSON|olivia]], [[PERSON|tamsin]], [[PERSON|oskar]] and [[PERSON|kai]]
"See you at the gate," said [[PERSON|Marta]] to [[PERSON|Oskar]].
[[PERSON|Ravindu]] has joined the workspace · invited by the assistant to [[PERSON|Ravindu K. Perera]]
[[PERSON|Tendai]] joined the call · from the daughter of [[PERSON|Tendai Brisevo]]
""".strip().splitlines()
NEGATIVES_RULES = """
Weekend breaks in Lipov: spa hotels and thermal baths
Contact Hollis, Brandt and Kessler — commercial law firm in Leeds
Compare Zalvora and Brixby broadband plans
Interview with the founder of Zalvora, the broadband start-up
Grayson and Sons — family butchers since 1921
Support: Open 24/7 on weekdays\\nSales: Call us today for a quote
Rock music lives on in Camden's pubs
Sorry, can we reschedule the viewing?
Direct flights from Lyon to Tbilisi, Georgia?
The Penguin novel collection — 30% off this week
shopping list: rose, lily, daisy and ivy plants for the balcony
""".strip().splitlines()
lines.append("# --- rules: names from structure ---")
lines.extend(RULES)
NEGATIVES += NEGATIVES_RULES

lines.append("# --- look-alike negatives ---")
for l in NEGATIVES:
    lines.append("!" + l)
open("browsing.txt", "w").write("\n".join(lines) + "\n")

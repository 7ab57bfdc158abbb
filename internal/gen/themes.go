package gen

import "github.com/kleo-network/kleo-stream/internal/activity"

// The page templates, one theme per activity. Word lists are
// pipe-separated; {slot} names resolve to the theme's words first, then to
// globalWords and generators. Heads are the first lines of visible page text
// (navigation and headings), as the extension captures them; fill lines are
// body text appended until the summary reaches its size.

type themeDef struct {
	act   activity.Activity
	words map[string]string
	sites []siteDef
	fill  []string
}

type siteDef struct {
	host  string
	pages []pageDef
}

type pageDef struct{ url, title, head string }

var chromeLines = []string{
	"Sign in\nMenu\nSearch",
	"Accept all cookies\nManage preferences",
	"Privacy Policy\nTerms of Service\nHelp Center",
	"Subscribe to our newsletter",
	"Share\nSave\nReport",
	"Back to top",
	"© {year} {brandco} Inc. All rights reserved.",
	"Follow us\nX\nInstagram\nYouTube",
	"Download the app\nApp Store\nGoogle Play",
}

var themeDefs = []themeDef{
	{
		act: activity.Cryptocurrency,
		words: map[string]string{
			"coin":  "Bitcoin|Ethereum|Solana|Cardano|Polygon|Avalanche|Chainlink|Arbitrum|Optimism|Toncoin|Dogecoin|Polkadot|Near Protocol|Celestia|Sui",
			"sym":   "BTC|ETH|SOL|ADA|POL|AVAX|LINK|ARB|OP|TON|DOGE|DOT|NEAR|TIA|SUI",
			"token": "USDC|USDT|WETH|DAI|UNI|AAVE|PEPE|SHIB|LDO|MKR",
			"topic": "staking rewards|the next halving|layer 2 fees|restaking|the ETF inflows|MEV|account abstraction|the Dencun upgrade|liquid staking|validator queues",
		},
		sites: []siteDef{
			{"coinmarketcap.com", []pageDef{
				{"/currencies/{coin:slug}/", "{coin} price today, {sym} to USD live price, marketcap and chart | CoinMarketCap", "Cryptocurrencies\nDexScan\nExchanges\nCommunity\nProducts\n{coin} {sym}\nPrice\n${price}\n{pct}% (1d)\nMarket cap\nVolume (24h)\nCirculating supply"},
				{"/", "Cryptocurrency Prices, Charts And Market Capitalizations | CoinMarketCap", "Today's Cryptocurrency Prices by Market Cap\nMarket Cap\nFear and Greed\nAltcoin Season\nTrending\nMost Visited\nRecently Added"},
			}},
			{"etherscan.io", []pageDef{
				{"/tx/{hash}", "Ethereum Transaction Hash (Txhash) Details | Etherscan", "Transaction Details\nOverview\nLogs\nState\nTransaction Hash:\n{hash}\nStatus:\nSuccess\nBlock:\n{big}\nFrom:\n{wallet}\nValue:\n{pct} ETH"},
				{"/address/{wallet}", "Address {wallet} | Etherscan", "Overview\nETH Balance\n{pct} ETH\nToken Holdings\nTransactions\nToken Transfers (ERC-20)\nNFT Transfers"},
				{"/token/{hex12}", "{token} Token Tracker | Etherscan", "Token\nOverview\nMax Total Supply\nHolders\n{big}\nTransfers\nMarket\nOnchain Market Cap"},
			}},
			{"www.coindesk.com", []pageDef{
				{"/markets/{year}/{month:slug}/{day}/{topic:slug}/", "{coin} traders eye {topic} as {sym} moves {pct}%", "Markets\nPolicy\nTech\nConsensus\nPrices\n{coin} traders eye {topic}"},
			}},
		},
		fill: []string{
			"{coin} ({sym}) is trading at ${price}, {pct}% higher over the last 24 hours.",
			"The market cap of {coin} is ${price2} with a 24 hour volume of ${price3}.",
			"Analysts say {topic} could decide where {sym} heads next.",
			"Top holders moved {big} {token} to exchanges this week, on-chain data shows.",
			"Gas fees averaged {k} gwei while {token} transfers hit a monthly high.",
			"Block {big} confirmed with {n} transactions.",
			"The {coin} community voted on a proposal about {topic}.",
		},
	},
	{
		act: activity.Politics,
		words: map[string]string{
			"pol":   "the Senate|the House|Congress|Parliament|the European Commission|the Bundestag|the governor|the prime minister|the city council|the Supreme Court",
			"issue": "immigration reform|the budget deal|healthcare costs|tariffs|climate policy|voting rights|tax cuts|border security|housing policy|minimum wage",
			"party": "Democrats|Republicans|Labour|Conservatives|the coalition|the opposition|Greens|Liberals",
			"state": "Pennsylvania|Georgia|Arizona|Michigan|Wisconsin|Nevada|North Carolina|Ohio|Texas|Florida",
		},
		sites: []siteDef{
			{"www.politico.com", []pageDef{
				{"/news/{year}/{month:slug}/{day}/{issue:slug}-{id}", "{party} push {issue} as {pol} returns - POLITICO", "Congress\nWhite House\nElections\nPolicy\nPlaybook\n{party} push {issue}"},
			}},
			{"fivethirtyeight.com", []pageDef{
				{"/features/{state:slug}-polls/", "Latest {state} polls | FiveThirtyEight", "Polls\nPolitics\nElections\nWho is ahead in {state}?\nPolling average"},
			}},
			{"www.realclearpolling.com", []pageDef{
				{"/polls/{issue:slug}", "Polls on {issue} | RealClearPolling", "Latest Polls\nElection {year}\nApproval\n{issue}\nRCP Average"},
			}},
		},
		fill: []string{
			"{party} leaders said {pol} would vote on {issue} before the recess.",
			"A new poll in {state} shows voters split {k} to {n2} on {issue}.",
			"Critics argue the plan on {issue} does not go far enough.",
			"The bill passed {pol} by {k} votes after hours of debate.",
			"Campaigns spent ${price2} on ads in {state} last month.",
			"Observers expect {issue} to dominate the next debate.",
		},
	},
	{
		act: activity.Comedy,
		words: map[string]string{
			"comic": "John Mulaney|Ali Wong|Dave Chappelle|Taylor Tomlinson|Nate Bargatze|Hasan Minhaj|Bo Burnham|Jerrod Carmichael|Hannah Gadsby|Trevor Noah",
			"bit":   "airport security|group chats|self checkout|dating apps|being thirty|parents on Facebook|gym memberships|smart fridges|jury duty|online reviews",
		},
		sites: []siteDef{
			{"www.youtube.com", []pageDef{
				{"/watch?v={ytid}", "{comic} on {bit} | Stand-up Special - YouTube", "Home\nShorts\nSubscriptions\n{comic} on {bit}\n{count} views\nSubscribe\nComments"},
			}},
			{"www.reddit.com", []pageDef{
				{"/r/standupshots/comments/{short}/{bit:slug}/", "My bit about {bit} : r/standupshots", "r/standupshots\nJoin\nHot\nNew\nTop\n{count} upvotes\n{n} comments"},
			}},
			{"www.theonion.com", []pageDef{
				{"/local-man-{bit:slug}-{id}", "Local Man Has Strong Opinions On {bit} | The Onion", "The Onion\nAmerica's Finest News Source\nLocal\nPolitics\nSports\nEntertainment"},
			}},
		},
		fill: []string{
			"{comic} closes the set with a story about {bit}.",
			"The crowd lost it when {comic} got to {bit}.",
			"This special runs {mins} minutes and was taped in {city}.",
			"Top comment: I watched this {k} times and still laugh at the {bit} part.",
			"{comic} announced a new tour with {n} dates.",
		},
	},
	{
		act: activity.Sports,
		words: map[string]string{
			"team":   "Lakers|Celtics|Warriors|Yankees|Dodgers|Chiefs|Eagles|Arsenal|Real Madrid|Bayern Munich|Manchester City|Barcelona|Packers|Knicks|Liverpool",
			"team2":  "Bulls|Heat|Nets|Red Sox|Mets|Bills|Cowboys|Chelsea|Atletico Madrid|Dortmund|Tottenham|Inter Milan|Bears|Suns|PSG",
			"league": "NBA|MLB|NFL|Premier League|La Liga|Bundesliga|Champions League|NHL",
			"player": "LeBron James|Stephen Curry|Patrick Mahomes|Shohei Ohtani|Erling Haaland|Kylian Mbappe|Jude Bellingham|Luka Doncic|Aaron Judge|Giannis Antetokounmpo",
		},
		sites: []siteDef{
			{"www.espn.com", []pageDef{
				{"/{league:slug}/game/_/gameId/{id}", "{team} vs. {team2} - Game Recap - {league} | ESPN", "ESPN\nNFL\nNBA\nMLB\nSoccer\nScores\nGamecast\nRecap\nBox Score\n{team} {k}\n{team2} {n}\nFinal"},
				{"/{league:slug}/player/_/id/{big}/{player:slug}", "{player} Stats, News, Bio | ESPN", "Overview\nNews\nStats\nSplits\nGame Log\n{player}\nSeason averages"},
			}},
			{"www.theathletic.com", []pageDef{
				{"/{id}/{year}/{month:slug}/{day}/{team:slug}-{team2:slug}-takeaways/", "{team} beat {team2}: takeaways from a wild night - The Athletic", "The Athletic\nNews\nScores\nPodcasts\n{league}\nTakeaways"},
			}},
			{"www.bbc.com", []pageDef{
				{"/sport/football/{id}", "{team} {k}-{n} {team2}: match report - BBC Sport", "BBC Sport\nFootball\nScores and fixtures\nTables\nLive\nMatch report"},
			}},
		},
		fill: []string{
			"{player} scored {k} points as the {team} beat the {team2}.",
			"The {team} are {k}-{n2} this season and lead the {league}.",
			"{team2} fans booed after a late call in the fourth quarter.",
			"Tickets for the rematch start at ${price}.",
			"The coach said the injury to {player} is day to day.",
			"Highlights: {player} with a career high in the {league}.",
		},
	},
	{
		act: activity.Movies,
		words: map[string]string{
			"movie": "Dune Part Two|Oppenheimer|Past Lives|Poor Things|The Holdovers|Inside Out 2|Furiosa|Civil War|Challengers|The Zone of Interest|Anatomy of a Fall|Godzilla Minus One|Barbie|Killers of the Flower Moon",
			"actor": "Zendaya|Cillian Murphy|Emma Stone|Paul Giamatti|Anya Taylor-Joy|Austin Butler|Margot Robbie|Florence Pugh|Timothee Chalamet|Lily Gladstone",
			"genre": "sci-fi|drama|thriller|comedy|horror|animated|action|romance|documentary",
		},
		sites: []siteDef{
			{"www.imdb.com", []pageDef{
				{"/title/tt{id}/", "{movie} ({year}) - IMDb", "Menu\nMovies\nTV Shows\nWatchlist\n{movie}\nIMDb RATING\n{rating}/10\nCast\n{actor}\nUser reviews"},
			}},
			{"www.rottentomatoes.com", []pageDef{
				{"/m/{movie:slug}", "{movie} | Rotten Tomatoes", "Movies\nTV Shows\nTomatometer\n{k}%\nPopcornmeter\nWhere to watch\nCritics reviews"},
			}},
			{"letterboxd.com", []pageDef{
				{"/film/{movie:slug}/", "{movie} ({year}) directed by {first} {last} • Reviews, film + cast • Letterboxd", "Films\nLists\nMembers\nJournal\n{movie}\nWatch\nLog\nReview\nRatings"},
			}},
		},
		fill: []string{
			"{actor} gives the performance of the year in {movie}.",
			"{movie} runs {mins} minutes and opened to ${price2} worldwide.",
			"A {genre} film that rewards a second viewing.",
			"Critics praised the score and the cinematography of {movie}.",
			"Showtimes near {city}: {clock}, {clock2}.",
			"{movie} is now streaming after its theatrical run.",
		},
	},
	{
		act: activity.Reading,
		words: map[string]string{
			"book":   "Tomorrow, and Tomorrow, and Tomorrow|Project Hail Mary|The Covenant of Water|Fourth Wing|Demon Copperhead|Lessons in Chemistry|Yellowface|The Midnight Library|Klara and the Sun|Educated|Sapiens|Atomic Habits",
			"author": "Gabrielle Zevin|Andy Weir|Abraham Verghese|Rebecca Yarros|Barbara Kingsolver|Bonnie Garmus|R.F. Kuang|Matt Haig|Kazuo Ishiguro|Tara Westover",
			"shelf":  "literary fiction|fantasy|science fiction|memoir|historical fiction|mystery|nonfiction|poetry",
		},
		sites: []siteDef{
			{"www.goodreads.com", []pageDef{
				{"/book/show/{id}-{book:slug}", "{book} by {author} | Goodreads", "Home\nMy Books\nBrowse\nCommunity\n{book}\n{author}\n{rating}\n{count} ratings\nWant to read\nRating details"},
				{"/review/list/{id}?shelf=currently-reading", "My books: currently reading | Goodreads", "My Books\nBookshelves\nRead\nCurrently Reading\nWant to Read\n{book}"},
			}},
			{"www.gutenberg.org", []pageDef{
				{"/ebooks/{big}", "{book} by {author} - Free Ebook", "Project Gutenberg\nSearch and Browse\nAbout\nRead online (web)\nEPUB3\nKindle\nPlain Text UTF-8"},
			}},
			{"medium.com", []pageDef{
				{"/@{handle}/why-i-reread-{book:slug}-{hex12}", "Why I reread {book} every year | by {first} {last} | Medium", "Open in app\nWrite\nSign up\nMember-only story\n{mins} min read"},
			}},
		},
		fill: []string{
			"{book} by {author} has {count} ratings and an average of {rating}.",
			"I finished {book} in {k} days and could not put it down.",
			"A {shelf} novel about memory, family and second chances.",
			"Chapter {k}: the pacing slows but the ending is worth it.",
			"Added {book} to the want-to-read shelf.",
			"Readers who liked {book} also read books by {author}.",
		},
	},
	{
		act: activity.Coding,
		words: map[string]string{
			"org":    "kubernetes|golang|facebook|vercel|hashicorp|rust-lang|microsoft|apache|grafana|denoland|sveltejs|tailwindlabs|prisma|supabase",
			"repo":   "kubernetes|go|react|next.js|terraform|rust|vscode|kafka|loki|deno|svelte|tailwindcss|prisma|supabase",
			"change": "fix race in cache eviction|add retry with backoff to client|bump dependencies|refactor config loading|support arm64 builds|handle nil pointer in parser|add metrics endpoint|speed up JSON decoding|remove deprecated flag|document the plugin API",
			"lang":   "Go|TypeScript|Rust|Python|Java|Kotlin|C++",
		},
		sites: []siteDef{
			{"github.com", []pageDef{
				{"/{org}/{repo}/pull/{big}", "{change} by {handle} · Pull Request #{big} · {org}/{repo}", "Code\nIssues\nPull requests\nActions\nSecurity\nInsights\n{change}\n#{big}\nConversation\nCommits\nChecks\nFiles changed"},
				{"/{org}/{repo}/issues/{big}", "{change} · Issue #{big} · {org}/{repo} · GitHub", "Code\nIssues\nPull requests\nOpen\n{handle} opened this issue\nLabels\nMilestone"},
				{"/{org}/{repo}/blob/main/{change:slug}.go", "{repo}/{change:slug}.go at main · {org}/{repo}", "Code\nBlame\n{n} lines\nRaw\nCopy path"},
			}},
			{"gitlab.com", []pageDef{
				{"/{org}/{repo}/-/merge_requests/{n}", "{change} (!{n}) · Merge requests · {org} / {repo} · GitLab", "Merge requests\nOverview\nCommits\nPipelines\nChanges\nApprove\nMerge"},
			}},
			{"vercel.com", []pageDef{
				{"/{handle}/{repo}/deployments", "Deployments – {repo} – Vercel", "Overview\nDeployments\nAnalytics\nLogs\nSettings\nProduction\nReady\nBuilding"},
			}},
		},
		fill: []string{
			"{handle} pushed {k} commits: {change}.",
			"All checks have passed. {k} successful checks.",
			"This branch has no conflicts with the base branch.",
			"Review requested from {handle}. Approved these changes.",
			"CI: build ({lang}) passed in {mins}s on ubuntu-latest.",
			"Merged commit {hex8} into main.",
			"Release v{ver}: {change}.",
		},
	},
	{
		act: activity.Programming,
		words: map[string]string{
			"q":    "How to reverse a list in Python|What is the difference between let and var|How do I undo the most recent local commits in Git|Why is processing a sorted array faster|How to iterate over a map in Go|How to center a div|What does the yield keyword do|How to parse JSON in Rust|How do closures work in JavaScript|How to read a file line by line in Java",
			"lang": "python|javascript|git|go|rust|java|c++|typescript|css|sql",
			"err":  "TypeError: undefined is not a function|panic: assignment to entry in nil map|NullPointerException|segmentation fault (core dumped)|ModuleNotFoundError: No module named requests|error[E0382]: borrow of moved value|cannot find symbol",
		},
		sites: []siteDef{
			{"stackoverflow.com", []pageDef{
				{"/questions/{id}/{q:slug}", "{lang} - {q}? - Stack Overflow", "Stack Overflow\nQuestions\nTags\nUsers\n{q}?\nAsked {k} years ago\nViewed {count} times\n{n} Answers\nSorted by:"},
				{"/search?q={err:q}", "Search results for {err} - Stack Overflow", "Search\nResults\nRelevance\nNewest\n{n} results"},
			}},
			{"developer.mozilla.org", []pageDef{
				{"/en-US/docs/Web/JavaScript/Reference/Global_Objects/Array/{q:slug}", "Array.prototype - JavaScript | MDN", "References\nGuides\nPlus\nJavaScript\nSyntax\nParameters\nReturn value\nExamples\nSpecifications\nBrowser compatibility"},
			}},
			{"pkg.go.dev", []pageDef{
				{"/github.com/{handle}/{lang}util@v{ver}", "{lang}util package - github.com/{handle}/{lang}util - Go Packages", "Why Go\nLearn\nDocs\nPackages\nOverview\nIndex\nConstants\nVariables\nFunctions\nTypes"},
			}},
		},
		fill: []string{
			"You can do this with a list comprehension, which is both shorter and faster.",
			"This answer is still valid in {lang} {ver}.",
			"The error {err} means the value was never initialised.",
			"Use a buffered reader instead; reading byte by byte is slow.",
			"{k} upvotes. Accepted answer by {handle}.",
			"See the docs for the full list of parameters and the return value.",
			"Edit: as of {year} there is a built-in method for this.",
		},
	},
	{
		act: activity.Designing,
		words: map[string]string{
			"proj": "Mobile banking app|Landing page redesign|Design system v2|Onboarding flow|Dashboard UI kit|Checkout screens|Brand guidelines|Icon set",
			"tool": "Figma|Sketch|Adobe XD|Framer|Illustrator|Penpot",
			"comp": "button|navbar|modal|card|date picker|toast|tooltip|sidebar",
		},
		sites: []siteDef{
			{"www.figma.com", []pageDef{
				{"/design/{short}{hex8}/{proj:slug}?node-id={n}-{n2}", "{proj} – Figma", "Drafts\nLayers\nAssets\nPages\nDesign\nPrototype\nInspect\nShare\nFrame {n}\nAuto layout\nComponents"},
			}},
			{"dribbble.com", []pageDef{
				{"/shots/{id}-{proj:slug}", "{proj} by {first} {last} on Dribbble", "Explore\nHire a Designer\nFind Jobs\nBlog\n{proj}\nLike\nSave\n{count} views"},
			}},
			{"www.behance.net", []pageDef{
				{"/gallery/{id}/{proj:slug}", "{proj} :: Behance", "For You\nDiscover\nLivestreams\nHire\nAppreciate\nProject views\nPublished"},
			}},
		},
		fill: []string{
			"The {comp} uses an 8px grid and a 4.5:1 contrast ratio.",
			"Exported {k} frames from {tool} for the developer handoff.",
			"Typography: Inter for UI, {k}px base size, 1.5 line height.",
			"Feedback from {first}: make the {comp} states more distinct.",
			"Auto layout with {k}px padding and hug contents.",
			"Version {ver} of the {proj} file was published to the team library.",
		},
	},
	{
		act: activity.Trading,
		words: map[string]string{
			"pair":  "BTC/USDT|ETH/USDT|SOL/USDT|BNB/USDT|XRP/USDT|DOGE/USDT|ETH/BTC|ARB/USDT",
			"stock": "AAPL|TSLA|NVDA|MSFT|AMZN|META|GOOGL|AMD|SPY|QQQ",
			"chain": "Zora|Base|Arbitrum|Optimism|Blast|Linea|Scroll|zkSync",
			"order": "Limit|Market|Stop-limit|OCO|Trailing stop",
		},
		sites: []siteDef{
			{"www.binance.com", []pageDef{
				{"/en/trade/{pair:slug}?type=spot", "{price} | {pair} | Binance Spot", "Buy Crypto\nMarkets\nTrade\nFutures\nEarn\nOrder Book\nPrice(USDT)\nAmount\nTotal\n{order}\nBuy\nSell\nOpen Orders\nOrder History"},
				{"/en/futures/{pair:slug}", "{pair} Perpetual | Binance Futures", "USD-M Futures\nCross\n20x\nMark Price\nFunding / Countdown\nPositions\nOpen Orders"},
			}},
			{"www.tradingview.com", []pageDef{
				{"/chart/{short}/?symbol=NASDAQ%3A{stock}", "{stock} {price} ▲ +{pct}% Unnamed — TradingView", "Chart\nIndicators\nAlert\nReplay\n1D\n5D\n1M\nVolume\nRSI\nMACD"},
			}},
			{"www.relay.link", []pageDef{
				{"/bridge/{chain:slug}", "Instant Bridge to {chain}", "Bridge\nTransactions\nMore\nConnect\nFrom\nEthereum\nETH\nTo\n{chain}\nETH\nConnect"},
			}},
			{"app.uniswap.org", []pageDef{
				{"/swap?chain={chain:slug}", "Uniswap Interface", "Swap\nLimit\nSend\nBuy\nSell\nYou pay\nYou receive\nSelect token\nReview"},
			}},
		},
		fill: []string{
			"{order} order filled: {pair} at {price}.",
			"Funding rate {pct}% next in {clock}.",
			"{stock} broke resistance at ${price} on heavy volume.",
			"Bridging to {chain} takes about {k} seconds with relay fees of ${price}.",
			"RSI at {k}, MACD crossing above the signal line.",
			"Position size {pct} {pair}, unrealised PnL +${price}.",
		},
	},
	{
		act: activity.Gaming,
		words: map[string]string{
			"game":  "Elden Ring|Baldur's Gate 3|Helldivers 2|Stardew Valley|Counter-Strike 2|Fortnite|League of Legends|Minecraft|Palworld|Zelda Tears of the Kingdom|Cyberpunk 2077|Valorant|Hades II",
			"thing": "boss guide|best build|patch notes|tier list|speedrun|walkthrough|all collectibles|beginner tips",
		},
		sites: []siteDef{
			{"store.steampowered.com", []pageDef{
				{"/app/{big}/{game:slug}/", "{game} on Steam", "Store\nCommunity\nAbout\nSupport\nYour Store\nNew and Noteworthy\n{game}\nAdd to Cart\n${price}\nAll Reviews:\nVery Positive"},
			}},
			{"www.twitch.tv", []pageDef{
				{"/{handle}", "{handle} - Twitch", "Following\nBrowse\nLIVE\n{game}\n{count} viewers\nChat\nFollow\nSubscribe"},
			}},
			{"www.ign.com", []pageDef{
				{"/wikis/{game:slug}/{thing:slug}", "{game} {thing} - IGN", "IGN\nReviews\nGuides\nVideos\n{game} Wiki Guide\n{thing}"},
			}},
		},
		fill: []string{
			"{game} {thing}: start with the shield and level vigor first.",
			"Patch {ver} nerfs the meta build and fixes {k} crashes.",
			"{count} players online right now.",
			"I beat the final boss after {k} attempts.",
			"Achievement unlocked: {thing} ({pct}% of players).",
			"{game} is {pct}% off until the end of the sale.",
		},
	},
	{
		act: activity.Shopping,
		words: map[string]string{
			"prod": "Wireless Noise Cancelling Headphones|Stainless Steel Water Bottle 32 oz|Robot Vacuum Cleaner|4K Smart TV 55 inch|Ergonomic Office Chair|Air Fryer 6 Quart|Running Shoes|Mechanical Keyboard|Electric Toothbrush|Portable Power Bank",
			"cat":  "Electronics|Home and Kitchen|Sports and Outdoors|Beauty|Toys and Games|Office Products",
		},
		sites: []siteDef{
			{"www.amazon.com", []pageDef{
				{"/dp/B0{short}{k}", "Amazon.com: {prod} : {cat}", "Deliver to\nAll\nToday's Deals\nCustomer Service\nRegistry\n{prod}\nVisit the Store\n{rating} out of 5 stars\n{count} ratings\n${price}\nAdd to Cart\nBuy Now"},
				{"/gp/cart/view.html", "Amazon.com Shopping Cart", "Shopping Cart\nSubtotal ({k} items): ${price}\nProceed to checkout\nSaved for later"},
			}},
			{"www.target.com", []pageDef{
				{"/p/{prod:slug}/-/A-{id}", "{prod} : Target", "Categories\nDeals\nNew and featured\nPickup and delivery\n{prod}\n${price}\nShipping\nAdd to cart"},
			}},
			{"www.bestbuy.com", []pageDef{
				{"/site/{prod:slug}/{id}.p", "{prod} - Best Buy", "Products\nBrands\nDeals\nServices\nYour Store\n{prod}\nModel\nSKU\n${price}\nAdd to Cart"},
			}},
		},
		fill: []string{
			"FREE delivery {month} {day} on orders shipped by Amazon.",
			"Only {k} left in stock - order soon.",
			"{rating} out of 5 stars: great value for the price.",
			"Customers who bought this also bought {prod}.",
			"Was ${price2}, now ${price}. You save {k}%.",
			"Returns accepted within 30 days of delivery.",
		},
	},
	{
		act: activity.Podcasts,
		words: map[string]string{
			"show":  "The Daily|Huberman Lab|Lex Fridman Podcast|Hard Fork|Acquired|Radiolab|Smartless|Planet Money|Conan O'Brien Needs a Friend|Serial|Dwarkesh Podcast",
			"topic": "sleep and focus|the history of Nvidia|AI agents|the housing market|memory|the future of work|longevity|a cold case|chip wars",
		},
		sites: []siteDef{
			{"podcasts.apple.com", []pageDef{
				{"/us/podcast/{show:slug}/id{id}?i={big}", "{topic} - {show} - Apple Podcasts", "Apple Podcasts\nListen Now\nBrowse\nTop Charts\nEpisode\n{mins} min\nPlay\nFollow"},
			}},
			{"pca.st", []pageDef{
				{"/episode/{hex12}", "{show}: {topic} | Pocket Casts", "Pocket Casts\nPodcasts\nDiscover\nProfile\nPlay\nSkip\nShow notes"},
			}},
			{"overcast.fm", []pageDef{
				{"/+{short}", "{show} — {topic} — Overcast", "Overcast\nPlay\nShare\nChapters"},
			}},
		},
		fill: []string{
			"In this episode of {show} we talk about {topic}.",
			"Episode {n} · {mins} min · {month} {day}, {year}.",
			"Chapters: {clock} intro, {clock2} interview, {clock3} listener questions.",
			"Support the show and get ad-free episodes.",
			"Our guest {first} {last} has studied {topic} for {k} years.",
		},
	},
	{
		act: activity.Music,
		words: map[string]string{
			"artist":   "Taylor Swift|Bad Bunny|The Weeknd|SZA|Billie Eilish|Kendrick Lamar|Dua Lipa|Radiohead|Fred again..|Olivia Rodrigo|Khruangbin|Phoebe Bridgers",
			"playlist": "Lo-Fi Beats|Deep Focus|RapCaviar|Today's Top Hits|Chill Vibes|Indie Mix|Jazz Classics|Workout Beats",
			"song":     "Midnight Rain|Flowers|Espresso|Not Like Us|Cruel Summer|Birds of a Feather|Paint the Town Red|Vampire|Houdini|Too Sweet",
		},
		sites: []siteDef{
			{"open.spotify.com", []pageDef{
				{"/playlist/{short}{hex12}", "{playlist} | Spotify Playlist", "Home\nSearch\nYour Library\nCreate playlist\n{playlist}\nSpotify\n{count} likes\n{k} songs\nPlay"},
				{"/track/{short}{hex12}", "{song} - song and lyrics by {artist} | Spotify", "Home\nSearch\n{song}\n{artist}\nLyrics\nRecommended"},
			}},
			{"music.youtube.com", []pageDef{
				{"/watch?v={ytid}&list=RD{ytid}", "{song} - {artist} - YouTube Music", "Home\nExplore\nLibrary\nUp next\nLyrics\nRelated"},
			}},
			{"bandcamp.com", []pageDef{
				{"/album/{song:slug}", "{song} | {artist} | Bandcamp", "discover\nBuy Digital Album\n${price} USD or more\nSend as Gift\nSupported by"},
			}},
		},
		fill: []string{
			"{song} by {artist} · {clock} · {count} plays.",
			"{artist} announced a world tour with a date in {city}.",
			"Lyrics: verse one, chorus, verse two, bridge.",
			"Fans of {artist} also like {playlist}.",
			"{playlist} was updated with {k} new tracks this week.",
		},
	},
	{
		act: activity.Medicine,
		words: map[string]string{
			"cond": "type 2 diabetes|high blood pressure|migraine|asthma|seasonal allergies|iron deficiency|lower back pain|sleep apnea|eczema|hypothyroidism",
			"drug": "metformin|lisinopril|ibuprofen|amoxicillin|cetirizine|levothyroxine|sumatriptan|albuterol|atorvastatin",
		},
		sites: []siteDef{
			{"www.mayoclinic.org", []pageDef{
				{"/diseases-conditions/{cond:slug}/symptoms-causes/syc-{id}", "{cond} - Symptoms and causes - Mayo Clinic", "Care at Mayo Clinic\nHealth Library\nOverview\nSymptoms\nWhen to see a doctor\nCauses\nRisk factors\nComplications\nPrevention"},
			}},
			{"www.webmd.com", []pageDef{
				{"/drugs/2/drug-{big}/{drug:slug}-oral/details", "{drug} oral: Uses, Side Effects, Interactions - WebMD", "Drugs and Supplements\nUses\nSide Effects\nPrecautions\nInteractions\nOverdose"},
			}},
			{"www.nhs.uk", []pageDef{
				{"/conditions/{cond:slug}/", "{cond} - NHS", "Health A to Z\nLive Well\nMental health\nCare and support\nSymptoms\nTreatment\nCauses"},
			}},
		},
		fill: []string{
			"Common symptoms of {cond} include fatigue and headaches.",
			"{drug} is usually taken once a day with food.",
			"See a doctor if symptoms last longer than {k} days.",
			"Side effects of {drug} may include nausea and dizziness.",
			"Lifestyle changes can reduce the risk of {cond}.",
			"This content was medically reviewed in {month} {year}.",
		},
	},
	{
		act: activity.Government,
		words: map[string]string{
			"svc":  "Renew your passport|Apply for a driver's license|Check your tax refund status|Register to vote|Apply for unemployment benefits|Get a REAL ID|Renew vehicle registration|Apply for a building permit",
			"agcy": "IRS|DMV|State Department|Social Security Administration|USCIS|City Hall",
		},
		sites: []siteDef{
			{"www.usa.gov", []pageDef{
				{"/{svc:slug}", "{svc} | USAGov", "An official website of the United States government\nHere's how you know\nMenu\nSearch\n{svc}\nWhat you need\nHow to apply"},
			}},
			{"www.irs.gov", []pageDef{
				{"/refunds", "Where's My Refund? | Internal Revenue Service", "Filing\nPayments\nRefunds\nCredits and Deductions\nForms and Instructions\nCheck your refund"},
			}},
			{"www.gov.uk", []pageDef{
				{"/{svc:slug}", "{svc} - GOV.UK", "GOV.UK\nMenu\nSearch\nServices and information\n{svc}\nStart now\nBefore you start"},
			}},
		},
		fill: []string{
			"You can {svc} online, by mail or in person at the {agcy}.",
			"Processing takes {k} to {n2} business days.",
			"The fee is ${price}, payable by card or check.",
			"Bring two proofs of residency and a photo ID.",
			"Offices in {city} are open weekdays from 8 a.m. to 5 p.m.",
			"Page last updated {month} {day}, {year}.",
		},
	},
	{
		act: activity.Planning,
		words: map[string]string{
			"board": "Q3 Roadmap|Wedding Planning|Sprint 42|Home Renovation|Product Launch|Move to Lisbon|Team Offsite|Content Calendar",
			"task":  "Book the venue|Send invitations|Finalize budget|Write the spec|Review vendor quotes|Schedule kickoff meeting|Draft timeline|Order supplies",
			"task2": "call the caterer|update the tracker|share the deck|book the flights|sign the contract",
		},
		sites: []siteDef{
			{"trello.com", []pageDef{
				{"/b/{short}{k}/{board:slug}", "{board} | Trello", "Workspaces\nRecent\nStarred\nTemplates\nCreate\n{board}\nTo Do\nDoing\nDone\nAdd a card"},
			}},
			{"www.notion.so", []pageDef{
				{"/{board:slug}-{hex12}{hex12}", "{board}", "Search\nUpdates\nSettings\nNew page\n{board}\nTable\nBoard\nCalendar\nTimeline\nFilter\nSort"},
			}},
			{"app.asana.com", []pageDef{
				{"/0/{id}/{id}", "{task} - {board} - Asana", "Home\nMy tasks\nInbox\nProjects\nList\nBoard\nTimeline\nDue date\nAssignee"},
			}},
		},
		fill: []string{
			"{task} - due {month} {day} - assigned to {first}.",
			"{k} of {n2} tasks complete.",
			"Moved card to Doing.",
			"Checklist: {task}, {task2}, confirm with the team.",
			"Reminder set for {clock} the day before.",
			"Budget so far: ${price2} of ${price3}.",
		},
	},
	{
		act: activity.JobHunting,
		words: map[string]string{
			"role":    "Senior Backend Engineer|Product Manager|Data Analyst|UX Designer|DevOps Engineer|Marketing Manager|Solidity Developer|Customer Success Lead|Machine Learning Engineer|Technical Writer",
			"salary":  "90,000|105,000|120,000|135,000|150,000",
			"salary2": "160,000|175,000|190,000|210,000|240,000",
			"co":      "Stripe|Coinbase|Shopify|Airbnb|Datadog|Canva|Spotify|Revolut|Notion|Figma|Chainlink Labs",
		},
		sites: []siteDef{
			{"www.linkedin.com", []pageDef{
				{"/jobs/view/{id}/", "{role} | {co} | LinkedIn", "Home\nMy Network\nJobs\nMessaging\nNotifications\n{role}\n{co}\n{city}\nEasy Apply\nSave\nAbout the job"},
			}},
			{"www.indeed.com", []pageDef{
				{"/viewjob?jk={hex8}{hex8}", "{role} - {co} - {city} - Indeed.com", "Find jobs\nCompany reviews\nFind salaries\n{role}\nApply now\nFull job description"},
			}},
			{"boards.greenhouse.io", []pageDef{
				{"/{co:slug}/jobs/{id}", "Job Application for {role} at {co}", "Apply for this job\nFirst Name\nLast Name\nResume/CV\nCover Letter\nSubmit Application"},
			}},
		},
		fill: []string{
			"{co} is hiring a {role} in {city} or remote.",
			"Salary range ${salary} to ${salary2} a year plus equity.",
			"{k}+ years of experience with distributed systems.",
			"You will work with a team of {k} engineers.",
			"{n} applicants · Posted {k} days ago.",
			"Benefits: health insurance, 401k match, learning budget.",
		},
	},
	{
		act: activity.Marketplace,
		words: map[string]string{
			"item": "Vintage road bike|IKEA desk|iPhone 13 128GB|Mid-century armchair|PS5 with two controllers|Kayak|Baby stroller|Drum kit|Camping tent|Standing desk",
			"nft":  "Bored Ape|Pudgy Penguin|Azuki|CryptoPunk|Milady|DeGod",
		},
		sites: []siteDef{
			{"www.facebook.com", []pageDef{
				{"/marketplace/item/{id}/", "Marketplace - {item} | Facebook", "Marketplace\nBrowse all\nNotifications\nInbox\nBuying\nSelling\n{item}\n${price}\nListed {k} days ago in {city}\nMessage seller"},
			}},
			{"www.ebay.com", []pageDef{
				{"/itm/{id}{k}", "{item} | eBay", "Shop by category\nSearch\n{item}\nCondition: Used\nBuy It Now\n${price}\nAdd to cart\nWatch\nShipping"},
			}},
			{"opensea.io", []pageDef{
				{"/assets/ethereum/{wallet}/{n}", "{nft} #{n} - {nft} | OpenSea", "Explore\nDrops\nStats\nCreate\n{nft} #{n}\nCurrent price\n{pct} ETH\nBuy now\nMake offer\nItem activity"},
			}},
			{"craigslist.org", []pageDef{
				{"/sale/d/{item:slug}/{id}.html", "{item} - for sale - craigslist", "post\naccount\nfavorites\nfor sale by owner\n${price}\nreply\ncondition: good"},
			}},
		},
		fill: []string{
			"Selling my {item}, barely used, pick up only.",
			"Price is firm. Cash or Venmo.",
			"Is this still available? Yes, message me.",
			"{nft} floor price is {pct} ETH, down {k}% this week.",
			"Seller has {rating} stars from {n} reviews.",
			"Local pickup in {city}.",
		},
	},
	{
		act: activity.Sitcoms,
		words: map[string]string{
			"show": "The Office|Friends|Seinfeld|Parks and Recreation|Brooklyn Nine-Nine|Abbott Elementary|Modern Family|Schitt's Creek|It's Always Sunny in Philadelphia|Curb Your Enthusiasm|New Girl",
			"char": "Michael|Dwight|Rachel|Chandler|Kramer|Leslie|Ron|Jake|Janine|Moira|Jess",
		},
		sites: []siteDef{
			{"www.peacocktv.com", []pageDef{
				{"/watch/playback/vod/{id}", "Watch {show} Season {season} Episode {n2} | Peacock", "Home\nTV Shows\nMovies\nSports\n{show}\nS{season} E{n2}\nResume\nEpisodes\nExtras"},
			}},
			{"www.reddit.com", []pageDef{
				{"/r/{show:slug}/comments/{short}/best_{char:slug}_moments/", "Best {char} moments? : r/{show:slug}", "r/{show:slug}\nJoin\n{count} members\nHot\n{n} comments"},
			}},
			{"www.imdb.com", []pageDef{
				{"/title/tt{id}/episodes/?season={season}", "{show} (TV Series) - Episode list - IMDb", "Episodes\nSeason {season}\nTop-rated\nCast\n{char}"},
			}},
		},
		fill: []string{
			"{char} has the best cold open of season {season}.",
			"Rewatching {show} for the {k}th time.",
			"The episode where {char} tries to fix everything is a classic.",
			"Every season of {show} ranked.",
			"{show} episode {n2} runs {mins} minutes.",
		},
	},
	{
		act: activity.TVSeries,
		words: map[string]string{
			"show": "The Bear|Shogun|Succession|The Last of Us|House of the Dragon|Severance|Stranger Things|The Crown|Slow Horses|Fallout|True Detective|Andor",
			"net":  "HBO|FX|Apple TV+|Netflix|Prime Video|Disney+",
		},
		sites: []siteDef{
			{"www.tvmaze.com", []pageDef{
				{"/shows/{big}/{show:slug}/episodes", "{show} - Episode list - TVmaze", "Shows\nSchedule\nNews\nForums\n{show}\nEpisodes\nCast\nCrew\nSeason {season}"},
			}},
			{"www.vulture.com", []pageDef{
				{"/article/{show:slug}-season-{season}-episode-{n2}-recap.html", "{show} Recap: Season {season}, Episode {n2}", "Vulture\nTV\nMovies\nRecaps\n{show}\nSeason {season}\nEpisode {n2}"},
			}},
			{"www.max.com", []pageDef{
				{"/shows/{show:slug}/{hex8}", "{show} | Max", "Home\nSeries\nMovies\n{show}\nSeason {season}\nEpisode {n2}\nPlay\nMy List"},
			}},
		},
		fill: []string{
			"{show} season {season} premieres on {net} in {month}.",
			"The finale of {show} ties every thread together.",
			"Recap: the episode ends on a cliffhanger in {city}.",
			"{show} holds a {k}% score with critics.",
			"All episodes of {show} are available to stream on {net}.",
		},
	},
	{
		act: activity.Blogging,
		words: map[string]string{
			"post": "What I learned from 100 days of writing|My blogging setup in 2024|How I grew my newsletter to 10k subscribers|Notes on shipping side projects|Why I left social media|A guide to static site generators",
			"plat": "Substack|WordPress|Ghost|Medium|Hashnode",
		},
		sites: []siteDef{
			{"wordpress.com", []pageDef{
				{"/post/{handle}.wordpress.com/{n}", "Edit Post ‹ {post} — WordPress.com", "My Site\nPosts\nMedia\nPages\nComments\nAdd title\nSave draft\nPreview\nPublish\nBlock\nPost settings"},
			}},
			{"{handle}.substack.com", []pageDef{
				{"https://{handle}.substack.com/p/{post:slug}", "{post} - by {first} {last}", "Subscribe\nSign in\nShare\n{post}\n{count} likes\n{n} comments\nRestack"},
			}},
			{"ghost.org", []pageDef{
				{"https://{handle}.ghost.io/ghost/#/editor/post/{hex12}", "Editor - {handle} - Ghost", "Dashboard\nView site\nPosts\nPages\nTags\nMembers\nPublish\nPost settings"},
			}},
		},
		fill: []string{
			"I publish a new post every {k} days on {plat}.",
			"Draft saved at {clock}. {big} words.",
			"Open rate last month was {pct}% across {count} subscribers.",
			"The trick is to write first and edit later.",
			"{n} people shared this post.",
			"Thanks for reading! Subscribe for free to receive new posts.",
		},
	},
	{
		act: activity.Cooking,
		words: map[string]string{
			"dish":  "World's Best Lasagna|Easy Banana Bread|Chicken Tikka Masala|Classic Beef Chili|Perfect Roast Chicken|Vegan Pad Thai|Homemade Pizza Dough|Shakshuka|Chocolate Chip Cookies|French Onion Soup|Miso Ramen",
			"ingr":  "garlic|onions|olive oil|butter|parmesan|ground beef|chickpeas|coconut milk|fresh basil|brown sugar|soy sauce|eggs",
			"ingr2": "greek yogurt|shallots|avocado oil|ghee|pecorino|ground turkey|white beans|oat milk|fresh cilantro|maple syrup|tamari",
		},
		sites: []siteDef{
			{"www.allrecipes.com", []pageDef{
				{"/recipe/{big}/{dish:slug}/", "{dish} Recipe", "Dinners\nMeals\nIngredients\nOccasions\nKitchen Tips\n{dish}\n{rating}\n({count})\nPrep Time:\n{k} mins\nCook Time:\n{mins} mins\nServings:\n{k2}\nJump to Recipe"},
			}},
			{"cooking.nytimes.com", []pageDef{
				{"/recipes/{big}-{dish:slug}", "{dish} Recipe - NYT Cooking", "Cooking\nRecipes\nSearch\nYour Recipe Box\n{dish}\nBy {first} {last}\nTotal Time\nRating\nIngredients\nPreparation"},
			}},
			{"www.seriouseats.com", []pageDef{
				{"/{dish:slug}-recipe-{id}", "The Best {dish} | Serious Eats", "Recipes\nHow-Tos\nIngredients\nEquipment\nWhy It Works"},
			}},
		},
		fill: []string{
			"Heat {ingr} in a large skillet over medium heat.",
			"Add {ingr} and cook, stirring, for {k} minutes.",
			"Preheat the oven to 375 degrees F.",
			"Season with salt, pepper and a pinch of {ingr}.",
			"This {dish} keeps in the fridge for {k} days.",
			"{count} home cooks made it. Rated {rating} stars.",
			"Tip: swap {ingr} for {ingr2} to make it lighter.",
		},
	},
	{
		act: activity.Fitness,
		words: map[string]string{
			"workout": "Morning Run|Push Pull Legs|5x5 Strength|HIIT 20 minutes|Zone 2 Ride|Long Run|Upper Body Day|Yoga Flow|Marathon Training Week 6",
			"ex":      "squat|deadlift|bench press|pull-up|overhead press|plank|lunges|rowing",
		},
		sites: []siteDef{
			{"www.strava.com", []pageDef{
				{"/activities/{id}{k}", "{workout} | Run | Strava", "Dashboard\nTraining\nMaps\nChallenges\n{workout}\nDistance\n{pct} km\nMoving Time\nPace\nElevation\nKudos"},
			}},
			{"www.myfitnesspal.com", []pageDef{
				{"/food/diary", "Food Diary | MyFitnessPal.com", "My Home\nFood\nExercise\nReports\nBreakfast\nLunch\nDinner\nSnacks\nCalories Remaining"},
			}},
			{"www.bodybuilding.com", []pageDef{
				{"/exercises/{ex:slug}", "{ex} | Exercise Guide", "Workouts\nExercises\nNutrition\nSupplements\n{ex}\nInstructions\nMuscles worked"},
			}},
		},
		fill: []string{
			"Did {k} sets of {ex} at {n} lbs.",
			"Average heart rate {n2} bpm, {k} min in zone 2.",
			"New personal record on {ex}!",
			"{workout}: {pct} km at a steady pace.",
			"Calories remaining: {big}.",
			"Rest {k} seconds between sets.",
		},
	},
	{
		act: activity.Photography,
		words: map[string]string{
			"cam":  "Sony A7 IV|Fujifilm X100VI|Canon R6 Mark II|Nikon Z8|Ricoh GR III|Leica Q3|Sony 24-70mm f/2.8 GM",
			"subj": "street photography|golden hour portraits|astrophotography|long exposure|landscape|wildlife|film photography",
		},
		sites: []siteDef{
			{"www.flickr.com", []pageDef{
				{"/photos/{handle}/{id}{k}/", "{subj} in {city} | Flickr", "Explore\nPrints\nGet Pro\nUpload\n{count} views\n{k} faves\nTaken on {month} {day}, {year}\n{cam}"},
			}},
			{"500px.com", []pageDef{
				{"/photo/{id}/{subj:slug}-by-{first:slug}-{last:slug}", "{subj} by {first} {last} / 500px", "Discover\nLicensing\nMemberships\nPulse\nLike\nGallery"},
			}},
			{"www.dpreview.com", []pageDef{
				{"/reviews/{cam:slug}-review", "{cam} Review: Digital Photography Review", "News\nReviews\nBuying Guides\nSample Galleries\nForums\nSpecifications\nConclusion"},
			}},
		},
		fill: []string{
			"Shot on {cam}, f/2.8, 1/250s, ISO {n}.",
			"Edited in Lightroom with a film preset.",
			"The {cam} autofocus tracks eyes even in low light.",
			"Best time for {subj} is the hour after sunrise.",
			"{k} photos from a weekend in {city}.",
		},
	},
	{
		act: activity.Travel,
		words: map[string]string{
			"hotel": "Grand Hyatt|Ace Hotel|The Hoxton|Park Hyatt|Generator Hostel|Four Seasons|citizenM|Hilton Garden Inn",
			"thing": "things to do|where to eat|3 day itinerary|best neighborhoods|day trips|travel guide",
		},
		sites: []siteDef{
			{"www.booking.com", []pageDef{
				{"/hotel/{short}/{hotel:slug}-{city:slug}.html", "{hotel} {city}, {city} – Updated {year} Prices", "Stays\nFlights\nCar rentals\nAttractions\n{hotel}\nReserve\nGuest reviews\n{rating}\nFacilities\nHouse rules"},
			}},
			{"www.airbnb.com", []pageDef{
				{"/rooms/{id}{k}", "Loft in {city} · ★{rating} · 1 bedroom · 1 bed - Airbnb", "Stays\nExperiences\nAirbnb your home\nShow all photos\nReserve\nWhere you'll sleep\nWhat this place offers"},
			}},
			{"www.tripadvisor.com", []pageDef{
				{"/Attractions-g{big}-Activities-{city:slug}.html", "THE 15 BEST {thing} in {city} ({year})", "Discover\nTrips\nReview\nThings to Do\nRestaurants\nHotels\nTop attractions"},
			}},
			{"www.google.com", []pageDef{
				{"/travel/flights?q=flights+to+{city:q}", "Cheap flights to {city} - Google Flights", "Travel\nExplore\nFlights\nHotels\nRound trip\n1\nEconomy\nDeparture\nReturn\nSearch"},
			}},
		},
		fill: []string{
			"Nonstop flights to {city} from ${price}.",
			"{hotel} is {k} minutes from the old town.",
			"Free cancellation until {month} {day}.",
			"Our {thing} for {city} covers museums, markets and food.",
			"Guests loved the breakfast and the location.",
			"Check in after 15:00, check out before 11:00.",
		},
	},
	{
		act: activity.News,
		words: map[string]string{
			"head":  "Markets rally as inflation cools|Storm leaves thousands without power|Central bank holds rates steady|Tech giants face new antitrust probe|Wildfire forces evacuations|Heat wave breaks records|Ceasefire talks resume|Rail strike disrupts commuters|Election results delayed",
			"where": "Europe|Asia|the Middle East|Latin America|Africa|the US|the UK",
		},
		sites: []siteDef{
			{"www.nytimes.com", []pageDef{
				{"/{year}/{mm}/{day}/world/{head:slug}.html", "{head} - The New York Times", "World\nU.S.\nPolitics\nN.Y.\nBusiness\nOpinion\nTech\nScience\n{head}\nListen to this article\nShare full article"},
			}},
			{"www.reuters.com", []pageDef{
				{"/world/{head:slug}-{year}-{mm}-{day}/", "{head} | Reuters", "World\nBusiness\nMarkets\nSustainability\nLegal\n{head}\nBy {first} {last}"},
			}},
			{"apnews.com", []pageDef{
				{"/article/{head:slug}-{hex12}{hex12}", "{head} | AP News", "AP\nWorld\nU.S.\nPolitics\nSports\n{head}\nUpdated {clock}"},
			}},
			{"www.bbc.com", []pageDef{
				{"/news/world-{id}", "{head} - BBC News", "Home\nNews\nSport\nBusiness\nInnovation\nCulture\n{head}"},
			}},
		},
		fill: []string{
			"{head} across {where}, officials said on Tuesday.",
			"The story is developing and will be updated.",
			"More than {big} people were affected, according to local authorities.",
			"Analysts in {city} said the move was expected.",
			"Reporting by {first} {last}; editing by {first2} {last2}.",
			"Read more: what it means for {where}.",
		},
	},
	{
		act: activity.Finance,
		words: map[string]string{
			"topic": "Roth IRA vs traditional IRA|how to build an emergency fund|best high-yield savings accounts|index funds for beginners|paying off credit card debt|mortgage rates today|how much to save for retirement|tax brackets",
			"bank":  "Chase|Bank of America|Wells Fargo|Ally|Schwab|Fidelity|Vanguard|Revolut|Wise",
		},
		sites: []siteDef{
			{"www.nerdwallet.com", []pageDef{
				{"/article/banking/{topic:slug}", "{topic} - NerdWallet", "Credit Cards\nBanking\nInvesting\nMortgages\nInsurance\nLoans\n{topic}\nWritten by {first} {last}"},
			}},
			{"www.investopedia.com", []pageDef{
				{"/terms/{topic:slug}.asp", "{topic}: Definition and Examples - Investopedia", "Investing\nNews\nSimulator\nAcademy\nTerm\nKey Takeaways\nHow it works"},
			}},
			{"secure.chase.com", []pageDef{
				{"/web/auth/dashboard#/dashboard/overview", "Chase Online - Accounts overview", "Accounts\nPay and transfer\nPlan and track\nInvestments\nChecking\nSavings\nAvailable balance\nRecent transactions"},
			}},
			{"finance.yahoo.com", []pageDef{
				{"/quote/{bank:slug}/", "Yahoo Finance - Stock Market Live, Quotes, Business and Finance News", "My Portfolio\nNews\nMarkets\nResearch\nPersonal Finance\nSummary\nChart\nStatistics"},
			}},
		},
		fill: []string{
			"A high-yield savings account at {bank} pays {pct}% APY.",
			"Experts suggest saving {k}% of your income for retirement.",
			"The 30-year fixed mortgage rate averaged {pct}% this week.",
			"Pending transaction ${price} at {brandco}.",
			"Index funds have returned about {k}% a year over the long run.",
			"{topic}: here is what to consider before you decide.",
		},
	},
	{
		act: activity.Dating,
		words: map[string]string{
			"app":    "Hinge|Bumble|Tinder|OkCupid|Coffee Meets Bagel|Feeld",
			"prompt": "My most irrational fear|A perfect first date|Together we could|I'm weirdly attracted to|Typical Sunday|The way to win me over",
		},
		sites: []siteDef{
			{"hinge.co", []pageDef{
				{"/blog/{prompt:slug}", "{prompt}: the best Hinge prompts | Hinge", "Hinge\nAbout\nBlog\nDating tips\n{prompt}"},
			}},
			{"bumble.com", []pageDef{
				{"/app/connections", "Bumble - Date, Meet and Network Better", "Connections\nMatch Queue\nBeeline\nChats\nProfile\nSettings\n{k} new matches"},
			}},
			{"www.okcupid.com", []pageDef{
				{"/discover", "OkCupid | Discover", "Discover\nLikes\nMessages\nProfile\n{first}, {k}\n{city}\nLike\nPass\nMatch {k2}%"},
			}},
		},
		fill: []string{
			"{first}, {k}, {k2} miles away.",
			"{prompt}: a long walk and a good taco.",
			"You have {k} new likes on {app}.",
			"Tips for a first date in {city}: keep it short and casual.",
			"Your profile was seen {n} times this week.",
		},
	},
	{
		act: activity.Crafting,
		words: map[string]string{
			"craft": "crochet granny square|knitted beanie|macrame plant hanger|embroidery hoop|beaded bracelet|quilted tote bag|polymer clay earrings|hand-bound journal",
			"mat":   "worsted weight yarn|cotton cord|embroidery floss|glass beads|fat quarters|polymer clay|bookbinding thread",
		},
		sites: []siteDef{
			{"www.ravelry.com", []pageDef{
				{"/patterns/library/{craft:slug}-{k}", "Ravelry: {craft} pattern by {first} {last}", "patterns\nyarns\npeople\nforums\nmy notebook\n{craft}\nyardage\ngauge\nneedle size"},
			}},
			{"www.etsy.com", []pageDef{
				{"/listing/{id}{k}/{craft:slug}-pattern-pdf", "{craft} Pattern PDF - Etsy", "Categories\nGifts\nSign in\n{craft} Pattern\n${price}\nDigital download\nAdd to basket\n{rating}\nStar seller"},
			}},
			{"www.instructables.com", []pageDef{
				{"/{craft:slug}/", "{craft} : {k} Steps (with Pictures) - Instructables", "Projects\nContests\nTeachers\nSupplies\nStep 1\nStep 2\nStep 3"},
			}},
		},
		fill: []string{
			"You will need {k} skeins of {mat} and a 5mm hook.",
			"Row {k}: chain 3, double crochet in each stitch.",
			"Step {k}: thread the {mat} and tie a square knot.",
			"This {craft} takes about {k} hours for a beginner.",
			"Finished my first {craft} this weekend!",
		},
	},
	{
		act: activity.Art,
		words: map[string]string{
			"work":   "The Starry Night|Water Lilies|The Great Wave off Kanagawa|Girl with a Pearl Earring|Nighthawks|The Persistence of Memory|Guernica|Composition VIII",
			"artist": "Vincent van Gogh|Claude Monet|Hokusai|Johannes Vermeer|Edward Hopper|Salvador Dali|Pablo Picasso|Wassily Kandinsky",
			"museum": "MoMA|The Met|Tate Modern|Louvre|Rijksmuseum|Art Institute of Chicago|Uffizi",
		},
		sites: []siteDef{
			{"www.moma.org", []pageDef{
				{"/collection/works/{big}", "{artist}. {work}. {year} | MoMA", "Visit\nExhibitions and events\nArt and artists\nStore\n{artist}\n{work}\nOil on canvas"},
			}},
			{"www.artsy.net", []pageDef{
				{"/artwork/{artist:slug}-{work:slug}", "{artist} | {work} | Artsy", "Buy\nSell\nPrice Database\nEditorial\nContact gallery\nMake an offer"},
			}},
			{"www.deviantart.com", []pageDef{
				{"/{handle}/art/{work:slug}-{id}", "{work} study by {handle} on DeviantArt", "Home\nShop\nWatch\n{count} favourites\n{n} comments\nDigital art"},
			}},
		},
		fill: []string{
			"{work} by {artist} is on view at {museum}.",
			"Oil on canvas, {k} x {n2} cm.",
			"The exhibition at {museum} runs until {month} {year}.",
			"A study in light and color after {artist}.",
			"Tickets for {museum} are ${price} for adults.",
		},
	},
	{
		act: activity.Fashion,
		words: map[string]string{
			"piece": "oversized wool coat|linen shirt|wide leg trousers|leather loafers|slip dress|cashmere sweater|denim jacket|white sneakers",
			"brand": "Zara|COS|Uniqlo|Everlane|Aritzia|Nike|Arket|Mango|& Other Stories",
			"trend": "quiet luxury|capsule wardrobe|spring trends|street style|old money aesthetic|Y2K fashion",
		},
		sites: []siteDef{
			{"www.zara.com", []pageDef{
				{"/us/en/{piece:slug}-p0{id}.html", "{piece} - {brand} United States", "WOMAN\nMAN\nKIDS\nSEARCH\nLOG IN\nHELP\nSHOPPING BAG\n{piece}\n{price} USD\nADD\nSIZE GUIDE"},
			}},
			{"www.vogue.com", []pageDef{
				{"/article/{trend:slug}-{year}", "{trend} Is Everywhere This Season | Vogue", "Fashion\nBeauty\nCulture\nLiving\nRunway\nShopping\n{trend}"},
			}},
			{"www.ssense.com", []pageDef{
				{"/en-us/women/product/{brand:slug}/{piece:slug}/{id}", "{brand} - {piece} | SSENSE", "Menswear\nWomenswear\nEverything Else\n{brand}\n{piece}\n${price}\nSelect a size\nAdd to bag"},
			}},
		},
		fill: []string{
			"Pair the {piece} with loafers for an easy {trend} look.",
			"Model is 5'9 and wears a size S.",
			"Free shipping and returns on orders over ${price}.",
			"The {piece} from {brand} is back in stock.",
			"{k} ways to style a {piece} this season.",
		},
	},
	{
		act: activity.Gardening,
		words: map[string]string{
			"plant": "tomatoes|hydrangeas|basil|monstera|lavender|zucchini|roses|succulents|peonies|snake plant",
			"task":  "prune|repot|fertilize|overwinter|propagate|water",
		},
		sites: []siteDef{
			{"www.gardeners.com", []pageDef{
				{"/how-to/{task}-{plant:slug}/{id}.html", "How to {task} {plant} | Gardener's Supply", "Shop\nHow-To\nGardening Articles\nPlants\n{plant}\nSupplies"},
			}},
			{"www.rhs.org.uk", []pageDef{
				{"/plants/{big}/{plant:slug}/details", "{plant} | RHS Gardening", "Gardening advice\nPlants\nShows and events\nMembership\nSize\nGrowing conditions\nSoil\nPosition"},
			}},
			{"www.almanac.com", []pageDef{
				{"/plant/{plant:slug}", "{plant}: Planting, Growing, and Caring | The Old Farmer's Almanac", "Gardening\nWeather\nAstronomy\nCalendar\nPlanting\nGrowing\nHarvesting"},
			}},
		},
		fill: []string{
			"{task} {plant} in early spring before new growth appears.",
			"Water {plant} deeply once a week, more in a heat wave.",
			"Space plants {k} inches apart in full sun.",
			"Frost dates for {city}: last frost around {month} {day}.",
			"Yellow leaves on {plant} usually mean overwatering.",
		},
	},
	{
		act: activity.Languages,
		words: map[string]string{
			"lang": "Spanish|French|Japanese|German|Korean|Italian|Portuguese|Mandarin",
			"word": "thank you|good morning|how are you|I would like a coffee|where is the station|nice to meet you",
		},
		sites: []siteDef{
			{"www.duolingo.com", []pageDef{
				{"/learn", "Duolingo - The world's best way to learn {lang}", "LEARN\nLETTERS\nLEADERBOARDS\nQUESTS\nSHOP\nPROFILE\nSection {k}, Unit {k2}\n{big} XP\nDay streak"},
			}},
			{"translate.google.com", []pageDef{
				{"/?sl=en&tl={lang:slug}&text={word:q}&op=translate", "Google Translate", "Text\nImages\nDocuments\nWebsites\nDetect language\nEnglish\n{lang}\n{word}"},
			}},
			{"www.wordreference.com", []pageDef{
				{"/en{lang:slug}/{word:slug}", "{word} - English-{lang} Dictionary - WordReference.com", "Dictionary\nConjugator\nForums\nPrincipal Translations\nCompound Forms"},
			}},
		},
		fill: []string{
			"How do you say {word} in {lang}?",
			"You reached a {k} day streak in {lang}!",
			"Lesson {k}: greetings and introductions.",
			"Practice {k} new words every day.",
			"Listen and repeat: {word}.",
		},
	},
	{
		act: activity.Pets,
		words: map[string]string{
			"breed": "golden retriever|french bulldog|labrador|border collie|maine coon|siamese cat|dachshund|corgi|bengal cat",
			"issue": "house training|separation anxiety|leash pulling|litter box problems|puppy teething|grooming|food allergies",
		},
		sites: []siteDef{
			{"www.chewy.com", []pageDef{
				{"/dp/{id}", "Dog Food for {breed}s | Chewy", "Shop by Pet\nDeals\nPharmacy\nAutoship\n${price}\nAdd to Cart\n{rating}\n{count} reviews"},
			}},
			{"www.akc.org", []pageDef{
				{"/expert-advice/training/{issue:slug}/", "How to Fix {issue} in Your Dog - American Kennel Club", "Breeds\nExpert Advice\nSports\nProducts\nTraining\n{issue}"},
			}},
			{"www.petfinder.com", []pageDef{
				{"/dog/{first:slug}-{id}/", "Adopt {first} a {breed} in {city} | Petfinder", "Find a pet\nDogs\nCats\nResources\n{first}\n{breed}\nAdult\nMale\nAsk about {first}"},
			}},
		},
		fill: []string{
			"{breed}s need about {k} minutes of exercise a day.",
			"Start {issue} training with short, positive sessions.",
			"{first} is a friendly {breed} who loves walks.",
			"Autoship and save {k}% on your first order.",
			"Ask your vet before changing food.",
		},
	},
	{
		act: activity.Meditation,
		words: map[string]string{
			"med": "Body Scan|Loving Kindness|Breath Awareness|Sleep Wind Down|Morning Calm|Anxiety Relief|Walking Meditation",
		},
		sites: []siteDef{
			{"www.headspace.com", []pageDef{
				{"/meditation/{med:slug}", "{med} Meditation | Headspace", "Meditation\nSleep\nStress\nFocus\nTry for free\n{med}\n{k} min"},
			}},
			{"www.calm.com", []pageDef{
				{"/app/player/{short}", "{med} - Calm", "Home\nSleep\nMeditate\nMusic\nProfile\n{med}\n{k} min\nPlay"},
			}},
			{"insighttimer.com", []pageDef{
				{"/{handle}/guided-meditations/{med:slug}", "{med} | Insight Timer", "Meditate\nSleep\nCourses\nEvents\n{med}\n{count} plays\n{rating}"},
			}},
		},
		fill: []string{
			"Find a comfortable seat and close your eyes.",
			"Breathe in for {k}, hold, and breathe out slowly.",
			"Notice any tension in your shoulders and let it go.",
			"You have meditated {k} days in a row.",
			"{med} with {first}, {k} minutes.",
		},
	},
	{
		act: activity.Webinars,
		words: map[string]string{
			"topic": "Scaling Postgres|Zero Trust Security|Intro to LLM Agents|Modern Data Stack|Web3 Wallet UX|Kubernetes Cost Optimization|B2B Growth Marketing",
		},
		sites: []siteDef{
			{"zoom.us", []pageDef{
				{"/webinar/register/WN_{short}{hex8}", "Webinar Registration - Zoom", "Webinar Registration\nTopic\n{topic}\nTime\n{month} {day}, {year} {clock}\nFirst Name\nLast Name\nRegister"},
			}},
			{"www.eventbrite.com", []pageDef{
				{"/e/{topic:slug}-tickets-{id}{k}", "{topic} Tickets | Eventbrite", "Find Events\nCreate Events\nOnline event\n{topic}\nFree\nReserve a spot\nAbout this event"},
			}},
			{"on24.com", []pageDef{
				{"https://event.on24.com/wcc/r/{id}/{hex12}", "{topic} - ON24", "Live\nQ and A\nResources\nSlides\nSurvey"},
			}},
		},
		fill: []string{
			"Join us on {month} {day} at {clock} for {topic}.",
			"Speakers: {first} {last}, {first2} {last2}.",
			"This session lasts {mins} minutes with live Q and A.",
			"Can't make it live? Register and we'll send the recording.",
			"{n} people registered.",
		},
	},
	{
		act: activity.Conservation,
		words: map[string]string{
			"cause":   "protect the Amazon rainforest|save the monarch butterfly|coral reef restoration|ocean plastic cleanup|rewilding wetlands|protect sea turtles|endangered elephants",
			"species": "snow leopard|orangutan|humpback whale|bald eagle|red panda|African elephant|sea otter",
		},
		sites: []siteDef{
			{"www.worldwildlife.org", []pageDef{
				{"/species/{species:slug}", "{species} | Species | WWF", "Species\nPlaces\nInitiatives\nDonate\nAdopt\n{species}\nStatus\nPopulation"},
			}},
			{"www.nature.org", []pageDef{
				{"/en-us/what-we-do/our-priorities/{cause:slug}/", "{cause} | The Nature Conservancy", "What We Do\nGet Involved\nAbout Us\nMembership\nDonate"},
			}},
			{"oceanconservancy.org", []pageDef{
				{"/trash-free-seas/{cause:slug}/", "{cause} - Ocean Conservancy", "Our Work\nTake Action\nNews\nDonate"},
			}},
		},
		fill: []string{
			"Only {big} {species}s remain in the wild.",
			"Your gift helps {cause}.",
			"Volunteers removed {big} pounds of trash this year.",
			"Habitat loss is the main threat to the {species}.",
			"Sign the petition to {cause}.",
		},
	},
	{
		act: activity.Volunteering,
		words: map[string]string{
			"opp": "Food bank shift|Beach cleanup|Tutor a student|Animal shelter helper|Habitat build day|Senior center visits|Crisis line volunteer",
			"org": "Habitat for Humanity|Red Cross|Feeding America|Big Brothers Big Sisters|local food bank|United Way",
		},
		sites: []siteDef{
			{"www.volunteermatch.org", []pageDef{
				{"/search/opp{id}.jsp", "{opp} - VolunteerMatch", "Find Opportunities\nFor Organizations\nAbout\n{opp}\n{org}\n{city}\nI Want to Help"},
			}},
			{"www.idealist.org", []pageDef{
				{"/en/volunteer-opportunity/{hex12}-{opp:slug}", "{opp} | Idealist", "Jobs\nVolunteer\nOrganizations\nSave\nApply"},
			}},
			{"www.redcross.org", []pageDef{
				{"/volunteer/volunteer-opportunities.html", "Volunteer Opportunities | Red Cross", "Donate Blood\nVolunteer\nTake a Class\nFind Opportunities"},
			}},
		},
		fill: []string{
			"{opp} with {org} on Saturday from 9 to {k}.",
			"No experience needed; training provided.",
			"{n} volunteers signed up this month.",
			"Thank you for your {k} hours of service!",
			"Ages 16 and up, background check required.",
		},
	},
	{
		act: activity.Education,
		words: map[string]string{
			"course": "Machine Learning|Introduction to Psychology|Calculus One|CS50 Introduction to Computer Science|Financial Markets|Learning How to Learn|Organic Chemistry|World History",
			"school": "Stanford|Yale|Harvard|MIT|University of Michigan|Duke|Imperial College London",
		},
		sites: []siteDef{
			{"www.coursera.org", []pageDef{
				{"/learn/{course:slug}", "{course} | Coursera", "Explore\nDegrees\nFor Business\n{course}\n{school}\nEnroll for free\n{rating}\n({count} reviews)\nModules\nWeek {k}"},
			}},
			{"www.khanacademy.org", []pageDef{
				{"/math/{course:slug}/unit-{k}", "{course} | Khan Academy", "Courses\nSearch\nDonate\nUnit {k}\nLesson\nPractice\nQuiz\nUnit test\nMastery points"},
			}},
			{"ocw.mit.edu", []pageDef{
				{"/courses/{k}-{n2}-{course:slug}-fall-{year}/", "{course} | MIT OpenCourseWare", "Syllabus\nCalendar\nLecture Notes\nAssignments\nExams\nVideo Lectures"},
			}},
		},
		fill: []string{
			"Week {k}: lecture videos, readings and a graded quiz.",
			"You have completed {k}% of {course}.",
			"Taught by Professor {first} {last} of {school}.",
			"Assignment due {month} {day} at {clock}.",
			"Practice problem {k}: show your work.",
		},
	},
	{
		act: activity.Streaming,
		words: map[string]string{
			"title": "Stranger Things|Wednesday|The Witcher|Squid Game|Bridgerton|The Mandalorian|Only Murders in the Building|The Boys|Reacher|Ted Lasso",
			"svc":   "Netflix|Hulu|Disney+|Prime Video|Apple TV+|Max",
		},
		sites: []siteDef{
			{"www.netflix.com", []pageDef{
				{"/watch/{id}?trackId={id}", "Netflix", "Home\nTV Shows\nMovies\nNew and Popular\nMy List\n{title}\nResume\nEpisodes\nMore Like This"},
				{"/browse", "Home - Netflix", "Home\nTV Shows\nMovies\nNew and Popular\nMy List\nContinue Watching for {first}\nTrending Now\nTop 10"},
			}},
			{"www.hulu.com", []pageDef{
				{"/watch/{hex8}-{hex12}", "Watch {title} Streaming Online | Hulu", "Home\nTV\nMovies\nMy Stuff\nHubs\n{title}\nPlay\nSeason {season}"},
			}},
			{"www.disneyplus.com", []pageDef{
				{"/video/{hex8}-{hex12}", "{title} | Disney+", "Home\nSearch\nWatchlist\nOriginals\nMovies\nSeries\nContinue watching"},
			}},
			{"www.primevideo.com", []pageDef{
				{"/detail/{short}{hex8}/", "Prime Video: {title} - Season {season}", "Home\nStore\nLive TV\nCategories\nMy Stuff\nWatch now\nTrailer\nEpisodes"},
			}},
		},
		fill: []string{
			"Continue watching {title}: S{season}:E{n2}, {mins} min left.",
			"New episodes of {title} every Friday on {svc}.",
			"Because you watched {title}.",
			"Top 10 in your country today.",
			"Your plan: Standard with ads, ${price} a month.",
		},
	},
}

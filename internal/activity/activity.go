// Package activity defines the 41 Kleo activities that every history item is
// classified into. The names are stored verbatim as keys of users.activity_json,
// so they are part of the data contract with the rest of the Kleo backend.
package activity

// Activity is one of the 41 Kleo activities, spelled as it is stored.
type Activity string

// The Kleo activities, in the order the product lists them.
const (
	Cryptocurrency Activity = "Cryptocurrency"
	Politics       Activity = "Politics"
	Comedy         Activity = "Comedy"
	Sports         Activity = "Sports"
	Movies         Activity = "Movies"
	Reading        Activity = "Reading"
	Coding         Activity = "Coding"
	Programming    Activity = "Programming"
	Designing      Activity = "Designing"
	Trading        Activity = "Trading"
	Gaming         Activity = "Gaming"
	Shopping       Activity = "Shopping"
	Podcasts       Activity = "Podcasts"
	Music          Activity = "Music"
	Medicine       Activity = "Medicine"
	Government     Activity = "Government"
	Planning       Activity = "Planning"
	JobHunting     Activity = "Job Hunting"
	Marketplace    Activity = "Marketplace"
	Sitcoms        Activity = "Sitcoms"
	TVSeries       Activity = "TV Series"
	Blogging       Activity = "Blogging"
	Cooking        Activity = "Cooking"
	Fitness        Activity = "Fitness"
	Photography    Activity = "Photography"
	Travel         Activity = "Travel"
	News           Activity = "News"
	Finance        Activity = "Finance"
	Dating         Activity = "Dating"
	Crafting       Activity = "Crafting"
	Art            Activity = "Art"
	Fashion        Activity = "Fashion"
	Gardening      Activity = "Gardening"
	Languages      Activity = "Languages"
	Pets           Activity = "Pets"
	Meditation     Activity = "Meditation"
	Webinars       Activity = "Webinars"
	Conservation   Activity = "Conservation"
	Volunteering   Activity = "Volunteering"
	Education      Activity = "Education"
	Streaming      Activity = "Streaming"
)

// All returns the 41 activities in product order. It returns a fresh slice so
// callers cannot change the canonical list.
func All() []Activity {
	return []Activity{
		Cryptocurrency, Politics, Comedy, Sports, Movies, Reading, Coding,
		Programming, Designing, Trading, Gaming, Shopping, Podcasts, Music,
		Medicine, Government, Planning, JobHunting, Marketplace, Sitcoms,
		TVSeries, Blogging, Cooking, Fitness, Photography, Travel, News,
		Finance, Dating, Crafting, Art, Fashion, Gardening, Languages, Pets,
		Meditation, Webinars, Conservation, Volunteering, Education, Streaming,
	}
}

// Count is the number of Kleo activities.
const Count = 41

// Valid reports whether a is one of the 41 activities.
func Valid(a Activity) bool {
	switch a {
	case Cryptocurrency, Politics, Comedy, Sports, Movies, Reading, Coding,
		Programming, Designing, Trading, Gaming, Shopping, Podcasts, Music,
		Medicine, Government, Planning, JobHunting, Marketplace, Sitcoms,
		TVSeries, Blogging, Cooking, Fitness, Photography, Travel, News,
		Finance, Dating, Crafting, Art, Fashion, Gardening, Languages, Pets,
		Meditation, Webinars, Conservation, Volunteering, Education, Streaming:
		return true
	}
	return false
}


¥

5
android*http://schemas.android.com/apk/res/androidmanifest"packagecom.example.fuzz"D
*http://schemas.android.com/apk/res/androidversionCode(›„„2:0*¨
¥uses-sdk"J
*http://schemas.android.com/apk/res/androidminSdkVersion21(Œ„„2:0"M
*http://schemas.android.com/apk/res/androidtargetSdkVersion33(ğ„„2:0!*i
guses-permission"T
*http://schemas.android.com/apk/res/androidnameandroid.permission.INTERNET(‹€„*è
áapplication"C
*http://schemas.android.com/apk/res/android
debuggable(€„2:@"T
*http://schemas.android.com/apk/res/androidlabel@string/app_name(€„2
€°ø"\
*http://schemas.android.com/apk/res/andr/idnetworkSecurityConfig@xml/nsc(§Š„2
€€Äø*ÿ
øactivity">
*http://schemas.android.com/apk/res/androidname.Main(ƒ€„"A
*http://schemas.android.com/apk/res/androidexported(€„2:@*è
áintent-filter*c
]action"S
*http://schemas.android.com/apk/res/androidnameandroid.intent.action.MAIN(ƒ€„*k
ecategory"Y
*http://schemas.android.com/apk/res/androidname android.intent.category.LAUNCHER(ƒ€„*Ö
Ïprovider";
*http://schemas.android.com/apk/res/androidname.P(ƒ€„"A
*http://schemas.android.com/apk/res/androidexported(€„2:@"C
*http://schemas.android.com/apk/res/androidauthoritiesx.p(˜€„